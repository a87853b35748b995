/**
 * @module connectors/vendor-webhook/response
 * Classifies the vendor webhook endpoint's answer. Any 2xx is delivered; a 2xx JSON body may carry
 * instance refs and app info (docs/contract.md "Outbound connectors"), which is returned as `data` when
 * it has the expected shape. A body of another shape is ignored: the vendor accepted the event, and
 * a reply we cannot use must not turn that into a failure.
 */
import { z } from "zod";
import { classifyHttpStatus, excerptRedacted, parseRetryAfter, type AttemptOutcome } from "../../delivery/outcome";

const VendorAppInfo = z.object({
  frontEndUrl: z.string().optional(),
  adminUrl: z.string().optional(),
  userName: z.string().optional(),
  password: z.string().optional(),
  memo: z.string().optional(),
});

export const VendorProvisionReply = z.object({
  refs: z.record(z.string(), z.string()).optional(),
  appInfo: VendorAppInfo.optional(),
});
export type VendorProvisionReply = z.infer<typeof VendorProvisionReply>;

function parseReply(bodyText: string): VendorProvisionReply | undefined {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) return undefined;
  const parsed = VendorProvisionReply.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

export function classifyVendorResponse(status: number, bodyText: string, retryAfter: string | null, nowMs: number): AttemptOutcome {
  // The reply to instance.provisioned may contain the app's admin password.
  const logged = excerptRedacted(bodyText);
  switch (classifyHttpStatus(status)) {
    case "ok": {
      const data = parseReply(bodyText);
      return data === undefined ? { kind: "delivered", status, excerpt: logged } : { kind: "delivered", status, excerpt: logged, data };
    }
    case "transient": {
      const retryAfterS = parseRetryAfter(retryAfter, nowMs);
      const reason = `vendor endpoint answered HTTP ${status}`;
      return retryAfterS === undefined
        ? { kind: "transient", status, excerpt: logged, reason }
        : { kind: "transient", status, excerpt: logged, reason, retryAfterS };
    }
    case "permanent":
      return { kind: "permanent", status, excerpt: logged, reason: `vendor endpoint answered HTTP ${status}` };
  }
}
