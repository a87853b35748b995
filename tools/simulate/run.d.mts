/**
 * @module tools/simulate/run
 * Types for the simulator's runner (see run.mjs).
 */
import type { CallOptions, SimulatedCall } from "./calls.mjs";

export const SCENARIOS: readonly string[];
export const DEFAULT_SCENARIO_TARGET: string;
export const RESULT_MEANINGS: Readonly<Record<string, string>>;

export interface RunOptions extends CallOptions {
  target?: string;
  action?: string;
  scenario?: string;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
) => Promise<Response>;

export interface Step {
  name: string;
  target: string;
  action: string;
  request: SimulatedCall;
  expected: string;
  status: number | null;
  text: string | null;
  body: unknown;
  resultCode: string | null;
  bodySign: string | null;
  bodySignVerified: boolean | null;
  credentials: { field: string; decrypts: boolean }[];
  problems: string[];
  ok: boolean;
  ms: number;
}

export interface RunResult {
  ok: boolean;
  target: string;
  action?: string;
  scenario?: string;
  steps: Step[];
  notRun: string[];
}

export function runAction(opts: RunOptions, fetchImpl: FetchLike): Promise<RunResult>;
export function runScenario(opts: RunOptions, fetchImpl: FetchLike): Promise<RunResult>;
