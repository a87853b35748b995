/**
 * @module lifecycle/secrets
 * The one list of field names that hold credentials. Whatever shows stored or partner data
 * (admin views, the delivery log, operational events) masks these, whatever the settings.
 */

/** Name patterns of credentials: `password`, `pass`, `accessToken`, `api_key`, `Authorization`, MOR's `hash`… */
const SECRET_NAME_PATTERNS = [
  "pass(?:word|wd)?$",
  "password",
  "secret",
  "token",
  "api_?key",
  "access_?key",
  "private_?key",
  "signature",
  "authorization",
  "credential",
  "^hash$",
];

const SECRET_NAME = new RegExp(SECRET_NAME_PATTERNS.join("|"), "i");

/** True when a field of that name holds a credential. */
export function isSecretField(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** `name=value`, `"name": "value"` or `name: value` in free text, whose name holds a credential. */
const SECRET_PAIR = /\b([A-Za-z_.-]+)(["']?\s*[:=]\s*["']?)[^\s&"',}]+/g;

/** Free text with the value of every credential-named pair replaced by `replacement`. */
export function maskSecretPairs(text: string, replacement: string): string {
  return text.replace(SECRET_PAIR, (pair, name: string, glue: string) => (isSecretField(name) ? `${name}${glue}${replacement}` : pair));
}
