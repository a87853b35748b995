/**
 * @module outbound-url
 * The rule for every URL the gateway calls out to (partner connectors, the operations webhook):
 * `https:` always, plain `http:` only to a loopback host, so a local mock can be used in
 * development while a production setting can never send signed payloads in clear text.
 * One pure function and one zod schema built on it, so every setting applies the same rule.
 */
import { z } from "zod";

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]", "::1"]);

/** True for localhost, `*.localhost`, 127.0.0.0/8 and ::1. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (LOOPBACK_HOSTS.has(host) || host.endsWith(".localhost")) return true;
  const octets = host.split(".");
  return octets.length === 4 && octets[0] === "127" && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
}

/** Why `value` is not acceptable as an outbound URL, or null when it is. */
export function outboundUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL";
  }
  if (url.username || url.password) return "must not carry credentials";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:") return isLoopbackHost(url.hostname) ? null : "must use https (http only for a loopback host)";
  return "must use https";
}

export const outboundUrl = z.string().superRefine((value, ctx) => {
  const problem = outboundUrlProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
