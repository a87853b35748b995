/**
 * @module connectors/koodrive/json
 * JSON.parse that keeps long integers exact. KooDrive ids (userId, policyId ≈ 3×10¹⁷) exceed
 * Number.MAX_SAFE_INTEGER; if the server sends them as bare numbers, JSON.parse would round them
 * silently (docs/koodrive.md §B.6.3). Integer literals of 16+ digits outside strings are turned into
 * strings before parsing; everything else parses as usual.
 */

const LONG_INTEGER_DIGITS = 16;

function quoteLongIntegers(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      // Copy a whole string literal, honouring escapes, so digits inside strings are untouched.
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === "-" || (c >= "0" && c <= "9")) {
      const match = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
      const literal = match?.[0] ?? c;
      const isLongInteger = /^-?\d+$/.test(literal) && literal.replace("-", "").length >= LONG_INTEGER_DIGITS;
      out += isLongInteger ? `"${literal}"` : literal;
      i += literal.length;
      continue;
    }
    out += c;
    i += 1;
  }
  return out;
}

/** Parses JSON, with integers of 16 or more digits returned as decimal strings. Throws like JSON.parse. */
export function parseJsonKeepingLongIntegers(text: string): unknown {
  return JSON.parse(quoteLongIntegers(text));
}
