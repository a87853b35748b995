/**
 * @module connectors/koodrive/x-date
 * The `X-Date` header (docs/koodrive.md §B.3): UTC `yyyyMMdd'T'HHmmss'Z'`. KooDrive rejects a date more
 * than 15 minutes off *or in the future*, so it is back-dated a little to absorb our clock running
 * ahead of theirs. Compute it per attempt: it is signed in app mode.
 */

/** Back-dating applied to `X-Date`. */
const X_DATE_BACKDATE_MS = 5_000;

export function koodriveXDate(nowMs: number): string {
  if (!Number.isFinite(nowMs)) throw new RangeError(`nowMs must be a finite number, got ${String(nowMs)}`);
  // "2025-11-03T07:01:40.123Z" -> "20251103T070140Z"
  return new Date(nowMs - X_DATE_BACKDATE_MS)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}
