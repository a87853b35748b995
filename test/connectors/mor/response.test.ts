import { describe, expect, it } from "vitest";
import { classifyMorResponse, parseMorXml } from "../../../src/connectors/mor/response";

const err = (text: string) => `<page><status><error>${text}</error></status></page>`;
const ok = (text: string) => `<page><status><success>${text}</success></status></page>`;
const UPDATE = { method: "subscription_update" } as const;
const del = (action: number) => ({ method: "subscription_delete", action }) as const;

describe("parseMorXml", () => {
  const rows: Array<[string, string, unknown]> = [
    ["page/status/success", ok("Subscription was successfully updated"), { kind: "success", message: "Subscription was successfully updated" }],
    ["status without page", "<status><error>Incorrect hash</error></status>", { kind: "error", message: "Incorrect hash" }],
    ["bare root error", "<error>API Requests are disabled</error>", { kind: "error", message: "API Requests are disabled" }],
    ["XML declaration", `<?xml version="1.0" encoding="UTF-8"?>\n${ok("Subscription deleted")}`, { kind: "success", message: "Subscription deleted" }],
    ["HTML wrapper", `<HTML>${ok("Subscription deleted")}</HTML>`, { kind: "success", message: "Subscription deleted" }],
    [
      "lower-case html wrapper with body and br",
      `<!DOCTYPE html><html><body><br>${err("Access Denied")}</body></html>`,
      { kind: "error", message: "Access Denied" },
    ],
    [
      "create with id",
      "<page><status><success>Subscription was successfully created</success><id>231</id></status></page>",
      { kind: "success", message: "Subscription was successfully created", id: "231" },
    ],
    ["entities decoded", err("A &amp; B"), { kind: "error", message: "A & B" }],
    [
      "page/status/info (seed 004)",
      "<page><status><info>Not possible to change dates </info></status></page>",
      { kind: "info", message: "Not possible to change dates" },
    ],
    [
      "info under status without page",
      "<status><info>Not possible to set activation end until canceled </info></status>",
      { kind: "info", message: "Not possible to set activation end until canceled" },
    ],
    [
      "info in the HTML wrapper",
      `<HTML><?xml version="1.0" encoding="UTF-8"?><page><status><info>Not possible to change dates</info></status></page></HTML>`,
      { kind: "info", message: "Not possible to change dates" },
    ],
    ["bare root info", "<info>Not possible to change dates</info>", { kind: "info", message: "Not possible to change dates" }],
    ["error beats info beats success", "<status><success>ok</success><info>i</info><error>e</error></status>", { kind: "error", message: "e" }],
    ["info beats success", "<status><success>ok</success><info>i</info></status>", { kind: "info", message: "i" }],
    [
      "whitespace trimmed",
      "<page>\n  <status>\n    <error>\n      Incorrect hash\n    </error>\n  </status>\n</page>",
      { kind: "error", message: "Incorrect hash" },
    ],
  ];
  it.each(rows)("%s", (_label, text, expected) => {
    expect(parseMorXml(text)).toEqual(expected);
  });

  it.each([
    ["empty", ""],
    ["plain text", "Bad Gateway"],
    ["JSON", '{"error":"x"}'],
    ["HTML error page", "<html><body><h1>502 Bad Gateway</h1></body></html>"],
    ["broken XML", "<page><status><succ"],
  ])("returns undefined for %s", (_label, text) => {
    expect(parseMorXml(text)).toBeUndefined();
  });
});

describe("classifyMorResponse", () => {
  it("success texts are delivered", () => {
    expect(classifyMorResponse(200, ok("Subscription was successfully updated"), UPDATE)).toMatchObject({
      kind: "delivered",
      status: 200,
      data: { message: "Subscription was successfully updated" },
    });
    for (const [action, text] of [
      [1, "Subscription deleted"],
      [2, "Subscription disabled"],
      [3, "Subscription deleted and money returned"],
    ] as const) {
      expect(classifyMorResponse(200, ok(text), del(action)).kind).toBe("delivered");
    }
  });

  it("HTML-wrapped success is delivered", () => {
    const out = classifyMorResponse(200, `<HTML><page><status><success>Subscription deleted</success></status></page></HTML>`, del(1));
    expect(out.kind).toBe("delivered");
  });

  it("'Subscription disabled' as an error is success for action 2 only", () => {
    expect(classifyMorResponse(200, err("Subscription disabled"), del(2)).kind).toBe("delivered");
    expect(classifyMorResponse(200, err("Subscription disabled"), { method: "subscription_delete", action: "2" }).kind).toBe("delivered");
    expect(classifyMorResponse(200, err("Subscription disabled"), del(1)).kind).toBe("permanent");
    expect(classifyMorResponse(200, err("Subscription disabled"), del(3)).kind).toBe("permanent");
  });

  it("'Subscription was not found' on a retried delete means already deleted, and says so", () => {
    for (const action of [1, 2, 3]) {
      const out = classifyMorResponse(200, err("Subscription was not found"), { ...del(action), retry: true });
      expect(out.kind).toBe("delivered");
      expect(out.excerpt).toMatch(/^already deleted: /);
    }
  });

  it("'Subscription was not found' on a first delete is a wrong ref, not a deletion: permanent", () => {
    for (const action of [1, 2, 3]) {
      const out = classifyMorResponse(200, err("Subscription was not found"), del(action));
      expect(out.kind).toBe("permanent");
      expect(out.kind === "permanent" && out.reason).toMatch(/Subscription was not found.*reconcile/);
    }
  });

  it.each([
    ["page/status", "<page><status><info>Not possible to change dates </info></status></page>", "Not possible to change dates"],
    [
      "status without page",
      "<status><info>Not possible to set activation end until canceled </info></status>",
      "Not possible to set activation end until canceled",
    ],
    ["HTML wrapper", "<HTML><page><status><info>Not possible to change dates</info></status></page></HTML>", "Not possible to change dates"],
  ])("an <info> answer (%s) is MOR's final word: permanent with its message, for update and delete", (_label, text, message) => {
    for (const ctx of [UPDATE, del(1), { ...del(2), retry: true }]) {
      const out = classifyMorResponse(200, text, ctx);
      expect(out.kind).toBe("permanent");
      expect(out.kind === "permanent" && out.reason).toBe(`MOR did not apply the change, final answer (info): ${message}`);
    }
  });

  it("'Subscription was not found' on update is permanent (reconcile)", () => {
    const out = classifyMorResponse(200, err("Subscription was not found"), UPDATE);
    expect(out).toMatchObject({ kind: "permanent" });
    expect(out.kind === "permanent" && out.reason).toMatch(/Subscription was not found/);
  });

  // docs/mor.md §C.5 error table: every row is permanent for update and delete.
  const permanentErrors = [
    "API Requests are disabled",
    "Access Denied",
    "You are not authorised to use this functionality",
    "You are not authorized to manage Subscriptions",
    "Incorrect hash",
    "Subscription delete action was not found",
    "No Subscriptions found",
    "User has insufficient balance",
    "Service was not found",
    "One or more Service was not found",
    "User was not found",
    "user_id must be provided",
    "user_id must be non negative integer",
    "Subscription activation start/end date must be valid timestamp",
    "Activation start date must be earlier than end date",
    "Some error text MOR added later",
  ];
  it.each(permanentErrors)("error %j is permanent, reason carries the text", (text) => {
    for (const ctx of [UPDATE, del(1), del(2), del(3)]) {
      const out = classifyMorResponse(200, err(text), ctx);
      expect(out.kind).toBe("permanent");
      if (out.kind !== "permanent") return;
      expect(out.reason).toContain(text);
      expect(out.status).toBe(200);
    }
  });

  it("the bare root 'API Requests are disabled' is permanent", () => {
    expect(classifyMorResponse(200, "<error>API Requests are disabled</error>", UPDATE).kind).toBe("permanent");
  });

  it("tolerates case, spacing and a trailing full stop in known texts", () => {
    expect(classifyMorResponse(200, err("subscription  was not found."), { ...del(1), retry: true }).kind).toBe("delivered");
  });

  const transient: Array<[string, number, string]> = [
    ["HTTP 500 even with XML", 500, err("Incorrect hash")],
    ["HTTP 502 page", 502, "<html><body>Bad Gateway</body></html>"],
    ["HTTP 503", 503, ""],
    ["HTTP 429", 429, ""],
    ["200 non-XML", 200, "Service Unavailable"],
    ["200 empty body", 200, ""],
    ["200 XML without status", 200, "<page><foo>bar</foo></page>"],
    ["200 JSON", 200, '{"ok":true}'],
  ];
  it.each(transient)("%s is transient", (_label, status, text) => {
    expect(classifyMorResponse(status, text, UPDATE).kind).toBe("transient");
  });

  it("a 4xx (wrong URL, proxy) is permanent", () => {
    expect(classifyMorResponse(404, "<html>Not Found</html>", UPDATE)).toMatchObject({ kind: "permanent", reason: "MOR answered HTTP 404" });
    expect(classifyMorResponse(403, err("Access Denied"), del(1))).toMatchObject({ kind: "permanent", reason: "MOR error: Access Denied" });
  });
});
