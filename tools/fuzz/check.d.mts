/**
 * @module tools/fuzz/check
 * Types for the fuzz answer checks (see check.mjs).
 */
export type Route = "koogallery" | "activeplatform" | "activeplatform-hidden" | "admin" | "other";

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function routeOf(target: string, pathSecret: string): Route;
export function formProblem(request: { method: string; path: string; creds: boolean }, answer: Answer, ctx: { key: string; pathSecret: string }): string | null;
export function isServerError(request: { path: string }, answer: Answer, pathSecret: string): boolean;
