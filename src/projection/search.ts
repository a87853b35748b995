/**
 * @module projection/search
 * Pure helpers of the operations index's queries: opaque keyset cursors and figure windows.
 *
 * A cursor is the position of the last item of a page, (time, id), so the next page starts
 * strictly after it in (time DESC, id DESC) order: stable while the index changes, no OFFSET.
 */

export interface Position {
  ms: number;
  id: string;
}

export function encodeCursor(p: Position): string {
  return btoa(JSON.stringify([p.ms, p.id]))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** The position in a cursor, or null when it is not one of ours. */
export function decodeCursor(cursor: string): Position | null {
  try {
    const json = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const value = JSON.parse(json) as unknown;
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [ms, id] = value as [unknown, unknown];
    if (typeof ms !== "number" || !Number.isSafeInteger(ms) || typeof id !== "string" || id.length > 300) return null;
    return { ms, id };
  } catch {
    return null;
  }
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** Figures are kept in minute buckets for this long; a window cannot reach further back. */
export const FIGURES_RETENTION_MS = 8 * UNIT_MS.d;
const MAX_WINDOW_MS = 7 * UNIT_MS.d;

/** `15m`, `1h`, `24h`, `7d` as milliseconds; null when malformed or outside 1 minute .. 7 days. */
export function parseWindow(text: string): number | null {
  const m = /^([1-9]\d{0,4})([mhd])$/.exec(text);
  if (!m) return null;
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  return ms <= MAX_WINDOW_MS ? ms : null;
}

export const minuteOf = (ms: number): number => Math.floor(ms / 60_000);
