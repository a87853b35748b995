/**
 * Configuration rules (docs/contract.md "Configuration"): defaults, accepted spellings, and a message
 * that names the setting, never its value.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../src/bindings";
import {
  activePlatformConfig,
  configProblems,
  enabledConnectors,
  forwardPersonalData,
  kooDriveConfig,
  kooGalleryConfig,
  morConfig,
  vendorConfig,
} from "../src/config";

/** The test bindings with some settings replaced; undefined removes one. */
const withVars = (vars: Record<string, string | undefined>): Bindings => ({ ...env, ...vars }) as Bindings;
const message = (fn: () => unknown): string | null => {
  try {
    fn();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
};

describe("FORWARD_PERSONAL_DATA", () => {
  const rows: Array<[string | undefined, boolean | string]> = [
    [undefined, false],
    ["", false],
    ["  ", false],
    ["false", false],
    ["0", false],
    ["no", false],
    ["true", true],
    ["1", true],
    ["yes", true],
    [" true ", true],
    ["TRUE", "configuration FORWARD_PERSONAL_DATA is malformed"],
    ["on", "configuration FORWARD_PERSONAL_DATA is malformed"],
  ];

  it.each(rows)("%j → %s", (value, expected) => {
    const env = withVars({ FORWARD_PERSONAL_DATA: value });
    if (typeof expected === "boolean") expect(forwardPersonalData(env)).toBe(expected);
    else expect(message(() => forwardPersonalData(env))).toMatch(new RegExp(`^${expected}`));
  });
});

describe("kooGalleryConfig", () => {
  it("reads the test configuration with its defaults (control)", () => {
    expect(kooGalleryConfig(withVars({ KOOGALLERY_TIMESTAMP_TOLERANCE_S: undefined }))).toEqual({
      accessKey: "a1b2c3d4-e5f6-4711-8899-aabbccddeeff",
      timestampToleranceS: 60,
      frontendUrl: "https://app.example.test/",
    });
  });

  const rows: Array<[string, Record<string, string | undefined>, string | null]> = [
    ["a tolerance in seconds", { KOOGALLERY_TIMESTAMP_TOLERANCE_S: "300" }, null],
    ["no front-end URL is allowed", { KOOGALLERY_FRONTEND_URL: "" }, null],
    ["no access key", { KOOGALLERY_ACCESS_KEY: "" }, "configuration KOOGALLERY_ACCESS_KEY is not set"],
    ["a blank access key", { KOOGALLERY_ACCESS_KEY: "   " }, "configuration KOOGALLERY_ACCESS_KEY is not set"],
    ["a zero tolerance", { KOOGALLERY_TIMESTAMP_TOLERANCE_S: "0" }, "configuration KOOGALLERY_TIMESTAMP_TOLERANCE_S is malformed"],
    ["a fractional tolerance", { KOOGALLERY_TIMESTAMP_TOLERANCE_S: "1.5" }, "configuration KOOGALLERY_TIMESTAMP_TOLERANCE_S is malformed"],
    ["a front-end URL that is not http(s)", { KOOGALLERY_FRONTEND_URL: "ftp://app.example.test/" }, "configuration KOOGALLERY_FRONTEND_URL is malformed"],
  ];

  it.each(rows)("%s", (_label, vars, expected) => {
    const got = message(() => kooGalleryConfig(withVars(vars)));
    if (expected === null) expect(got).toBeNull();
    else expect(got).toMatch(new RegExp(`^${expected}`));
  });

  it("reads the tolerance and an empty front-end URL as such", () => {
    const config = kooGalleryConfig(withVars({ KOOGALLERY_TIMESTAMP_TOLERANCE_S: " 300 ", KOOGALLERY_FRONTEND_URL: " " }));
    expect(config.timestampToleranceS).toBe(300);
    expect(config.frontendUrl).toBeNull();
  });
});

describe("activePlatformConfig", () => {
  const rows: Array<[string, Record<string, string | undefined>, { allowedApGuids: string[] } | string]> = [
    ["no allow-list means any (control)", { ACTIVEPLATFORM_ALLOWED_AP_GUIDS: "" }, { allowedApGuids: [] }],
    ["a comma list, trimmed, empties dropped", { ACTIVEPLATFORM_ALLOWED_AP_GUIDS: " g-1 , g-2,,g-3 ," }, { allowedApGuids: ["g-1", "g-2", "g-3"] }],
    [
      "a path secret of 16 characters is enough",
      { ACTIVEPLATFORM_PATH_SECRET: "0123456789abcdef", ACTIVEPLATFORM_ALLOWED_AP_GUIDS: "" },
      { allowedApGuids: [] },
    ],
    ["a path secret of 15 characters is too short", { ACTIVEPLATFORM_PATH_SECRET: "0123456789abcde" }, "configuration ACTIVEPLATFORM_PATH_SECRET is too short"],
    ["no path secret", { ACTIVEPLATFORM_PATH_SECRET: "" }, "configuration ACTIVEPLATFORM_PATH_SECRET is not set"],
  ];

  it.each(rows)("%s", (_label, vars, expected) => {
    if (typeof expected === "string") expect(message(() => activePlatformConfig(withVars(vars)))).toMatch(new RegExp(`^${expected}`));
    else expect(activePlatformConfig(withVars(vars)).allowedApGuids).toEqual(expected.allowedApGuids);
  });
});

describe("enabledConnectors", () => {
  const rows: Array<[string, Record<string, string | undefined>, string[]]> = [
    ["none without base URLs (control)", { VENDOR_WEBHOOK_URL: "", KOODRIVE_BASE_URL: "", MOR_BASE_URL: "" }, []],
    [
      "each one whose URL is set, in a fixed order",
      { MOR_BASE_URL: "https://mor.test", VENDOR_WEBHOOK_URL: "https://v.test", KOODRIVE_BASE_URL: "" },
      ["vendor", "mor"],
    ],
    [
      "all three",
      { VENDOR_WEBHOOK_URL: "https://v.test", KOODRIVE_BASE_URL: "https://k.test", MOR_BASE_URL: "https://mor.test" },
      ["vendor", "koodrive", "mor"],
    ],
    ["a blank URL disables", { VENDOR_WEBHOOK_URL: "  ", KOODRIVE_BASE_URL: undefined, MOR_BASE_URL: "" }, []],
    // A malformed URL still enables the connector, so /healthz reports it instead of hiding it.
    ["a malformed URL still enables", { VENDOR_WEBHOOK_URL: "not a url", KOODRIVE_BASE_URL: "", MOR_BASE_URL: "" }, ["vendor"]],
  ];

  it.each(rows)("%s", (_label, vars, expected) => {
    expect(enabledConnectors(withVars(vars))).toEqual(expected);
  });
});

describe("connector settings", () => {
  const VENDOR = { VENDOR_WEBHOOK_URL: "https://v.test/hooks", VENDOR_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };
  const MOR = { MOR_BASE_URL: "https://mor.test", MOR_USERNAME: "admin", MOR_API_SECRET: "s" };
  const KOODRIVE = {
    KOODRIVE_BASE_URL: "https://k.test",
    KOODRIVE_USER_ID: "1505",
    KOODRIVE_AUTH_MODE: "",
    KOODRIVE_ACCOUNT: "a",
    KOODRIVE_PASSWORD: "p",
    KOODRIVE_AGENT_NAME: "n",
    KOODRIVE_TOKEN_SCHEME: "",
  };

  const rows: Array<[string, () => unknown, unknown]> = [
    ["vendor (control)", () => vendorConfig(withVars(VENDOR)), { url: "https://v.test/hooks", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }],
    [
      "vendor secret without whsec_",
      () => vendorConfig(withVars({ ...VENDOR, VENDOR_WEBHOOK_SECRET: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" })),
      "configuration VENDOR_WEBHOOK_SECRET must be whsec_ followed by base64",
    ],
    [
      "vendor secret with base64url characters",
      () => vendorConfig(withVars({ ...VENDOR, VENDOR_WEBHOOK_SECRET: "whsec_ab-_" })),
      "configuration VENDOR_WEBHOOK_SECRET must be whsec_ followed by base64",
    ],
    ["vendor URL not http(s)", () => vendorConfig(withVars({ ...VENDOR, VENDOR_WEBHOOK_URL: "mailto:x@y.test" })), "configuration VENDOR_WEBHOOK_URL must"],
    [
      "MOR delete action defaults to 1",
      () => morConfig(withVars({ ...MOR, MOR_DELETE_ACTION: "" })),
      { baseUrl: "https://mor.test", username: "admin", secret: "s", deleteAction: 1 },
    ],
    ["MOR delete action 3", () => morConfig(withVars({ ...MOR, MOR_DELETE_ACTION: "3" })).deleteAction, 3],
    ["MOR delete action 4", () => morConfig(withVars({ ...MOR, MOR_DELETE_ACTION: "4" })), "configuration MOR_DELETE_ACTION is malformed"],
    ["MOR without its secret", () => morConfig(withVars({ ...MOR, MOR_API_SECRET: "" })), "configuration MOR_API_SECRET is not set"],
    [
      "KooDrive token mode is the default, with the bearer scheme",
      () => kooDriveConfig(withVars(KOODRIVE)),
      { baseUrl: "https://k.test", userId: "1505", auth: { mode: "token", account: "a", password: "p", agentName: "n", scheme: "bearer" } },
    ],
    [
      "KooDrive app mode needs its id and secret only",
      () => kooDriveConfig(withVars({ ...KOODRIVE, KOODRIVE_AUTH_MODE: "app", KOODRIVE_ACCOUNT: "", KOODRIVE_APP_ID: "id", KOODRIVE_APP_SECRET: "sec" })),
      { baseUrl: "https://k.test", userId: "1505", auth: { mode: "app", appId: "id", appSecret: "sec" } },
    ],
    [
      "KooDrive app mode without a secret",
      () => kooDriveConfig(withVars({ ...KOODRIVE, KOODRIVE_AUTH_MODE: "app", KOODRIVE_APP_ID: "id", KOODRIVE_APP_SECRET: "" })),
      "configuration KOODRIVE_APP_SECRET is not set",
    ],
    ["KooDrive unknown mode", () => kooDriveConfig(withVars({ ...KOODRIVE, KOODRIVE_AUTH_MODE: "oauth" })), "configuration KOODRIVE_AUTH_MODE is malformed"],
    [
      "KooDrive unknown token scheme",
      () => kooDriveConfig(withVars({ ...KOODRIVE, KOODRIVE_TOKEN_SCHEME: "basic" })),
      "configuration KOODRIVE_TOKEN_SCHEME is malformed",
    ],
    ["KooDrive without a user id", () => kooDriveConfig(withVars({ ...KOODRIVE, KOODRIVE_USER_ID: "" })), "configuration KOODRIVE_USER_ID is not set"],
  ];

  it.each(rows)("%s", (_label, read, expected) => {
    if (typeof expected === "string") expect(message(read)).toMatch(new RegExp(`^${expected.replace(/[()]/g, "\\$&")}`));
    else expect(read()).toEqual(expected);
  });
});

describe("configProblems", () => {
  it("checks only enabled connectors, and names settings, never values", () => {
    const problems = configProblems(
      withVars({
        VENDOR_WEBHOOK_URL: "",
        VENDOR_WEBHOOK_SECRET: "",
        KOODRIVE_BASE_URL: "",
        MOR_BASE_URL: "https://mor.test",
        MOR_USERNAME: "",
        MOR_API_SECRET: "top-secret-value",
        FORWARD_PERSONAL_DATA: "maybe",
      }),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^configuration FORWARD_PERSONAL_DATA is malformed/);
    expect(problems[1]).toBe("configuration MOR_USERNAME is not set");
    expect(problems.join(" ")).not.toContain("top-secret-value");
    expect(problems.join(" ")).not.toContain("maybe");
  });
});
