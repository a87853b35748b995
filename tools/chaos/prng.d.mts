/**
 * @module tools/chaos/prng
 * Types for the seeded PRNG (see prng.mjs).
 */
export interface Prng {
  next(): number;
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  weighted<T>(weighted: ReadonlyArray<readonly [T, number]>): T;
  chars(n: number, alphabet?: string): string;
  fork(label: string): Prng;
}
export function createPrng(seed: string | number): Prng;
