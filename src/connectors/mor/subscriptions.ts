/**
 * @module connectors/mor/subscriptions
 * `subscriptions_get` (docs/mor.md §C.4): one call lists many subscriptions, which the
 * reconciliation sweep compares with the instances (docs/reconciliation.md). The hash is
 * SHA1(API_Secret_Key) alone (docs/mor.md §C.3), whatever filters are sent.
 */
import { XMLParser } from "fast-xml-parser";
import { morHash } from "./hash";
import { parseMorXml } from "./response";

export interface MorSubscription {
  id: string;
  /** `<till>` as Unix seconds; null when empty (until canceled, or no end). */
  tillS: number | null;
  /** MOR lists it as disabled (`subscription_delete_action=2`). [verify] which element real MOR uses. */
  disabled: boolean;
}

export function subscriptionsGetRequest(input: { baseUrl: string; username: string; secret: string }): Promise<{ url: string; form: URLSearchParams }> {
  return (async () => {
    const form = new URLSearchParams();
    form.set("u", input.username);
    form.set("hash", await morHash([], input.secret));
    return { url: `${input.baseUrl.replace(/\/+$/, "")}/billing/api/subscriptions_get`, form };
  })();
}

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === "subscription",
});

/** `2011-06-04 06:01:04 +0200` (docs/mor.md §C.4) as Unix seconds; null when empty or unreadable. */
function morTimeS(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\s*([+-])(\d{2}):?(\d{2}))?$/.exec(text.trim());
  if (!m) return null;
  const utc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
  const offset = m[7] ? (m[7] === "-" ? -1 : 1) * (+m[8]! * 3600 + +m[9]! * 60) : 0;
  return utc - offset;
}

const text = (v: unknown): string =>
  typeof v === "string"
    ? v
    : v && typeof v === "object" && typeof (v as Record<string, unknown>)["#text"] === "string"
      ? String((v as Record<string, unknown>)["#text"])
      : "";

export type SubscriptionsAnswer = { kind: "list"; subscriptions: MorSubscription[] } | { kind: "error"; message: string };

/**
 * The listed subscriptions. `No Subscriptions found` is an empty list (docs/mor.md §C.5); any other
 * `<error>` or an unreadable body is an error the sweep counts (it judges nothing on it).
 */
export function parseSubscriptions(status: number, body: string): SubscriptionsAnswer {
  if (status !== 200) return { kind: "error", message: `MOR answered HTTP ${status}` };
  const verdict = parseMorXml(body);
  if (verdict?.kind === "error" && /^no subscriptions found\.?$/i.test(verdict.message.trim())) return { kind: "list", subscriptions: [] };
  if (!verdict || verdict.kind !== "success")
    return { kind: "error", message: verdict ? `MOR ${verdict.kind}: ${verdict.message}` : "MOR answer is not MOR XML" };
  let tree: unknown;
  try {
    tree = parser.parse(body);
  } catch {
    return { kind: "error", message: "MOR answer is not MOR XML" };
  }
  const found: MorSubscription[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (depth > 8 || node === null || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach((n) => walk(n, depth + 1));
    for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
      if (key.toLowerCase() !== "subscription") {
        walk(child, depth + 1);
        continue;
      }
      for (const s of Array.isArray(child) ? child : [child]) {
        const r = (s ?? {}) as Record<string, unknown>;
        const id = text(r.id).trim();
        if (!/^\d+$/.test(id)) continue;
        const till = text(r.till);
        const flags = [text(r.type), text(r.status)].join(" ").toLowerCase();
        found.push({ id: id.replace(/^0+(?=\d)/, ""), tillS: till.trim() ? morTimeS(till) : null, disabled: /\bdisabled\b/.test(flags) });
      }
    }
  };
  walk(tree, 0);
  return { kind: "list", subscriptions: found };
}
