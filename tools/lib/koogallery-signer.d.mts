/**
 * @module tools/lib/koogallery-signer
 * Types for the independent node:crypto KooGallery signer (see koogallery-signer.mjs).
 */
export const SPEC_TEST_KEY: string;
export function v1TimeStamp(date?: Date): string;
export function signV1Query(accessKey: string, params: Record<string, string>): string;
export function signV2(
  accessKey: string,
  body: string,
  opts?: { nonce?: string; timestamp?: string },
): { query: string; signature: string; nonce: string; timestamp: string };
export function bodySignature(accessKey: string, body: string): string;
export function verifyBodySign(accessKey: string, body: string, headerValue: string | null | undefined): boolean;
export function aesKeyBytes(accessKey: string, bits: 128 | 256): Uint8Array;
export function encryptCredential(
  accessKey: string,
  plaintext: string,
  opts?: { bits?: 128 | 256; iv?: string },
): string;
export function decryptCredential(accessKey: string, wire: string): string | null;
export function sha1prng(seed: Uint8Array, length: number): Uint8Array;
