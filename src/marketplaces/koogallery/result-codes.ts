/**
 * @module marketplaces/koogallery/result-codes
 * KooGallery `resultCode` values (docs/koogallery.md §4) the gateway answers with.
 */
export const RESULT = {
  success: "000000",
  authFailed: "000001",
  invalidParameter: "000002",
  instanceNotFound: "000003",
  processing: "000004",
  internalError: "000005",
} as const;

export type ResultCode = (typeof RESULT)[keyof typeof RESULT];

/** Thrown by the adapter for an answer other than success; rendered as a signed error body. */
export class KooGalleryFault extends Error {
  constructor(
    readonly resultCode: ResultCode,
    message: string,
  ) {
    super(message);
    this.name = "KooGalleryFault";
  }
}
