/**
 * @module tools/chaos
 * Types for the chaos run (see index.mjs, run.mjs, check.mjs, workload.mjs).
 */
export interface Preset {
  name: string;
  instances: number;
  spreadMs: number;
  steps: [number, number];
  thinkMs: [number, number];
  lateRate: number;
  scale: number;
  failRate: number;
  slowMs: number;
  slowWindows: Array<{ partner: "vendor" | "koodrive" | "mor" | "all"; atMs: number; forMs: number; rate: number }>;
  outages: Array<{ partner: "vendor" | "koodrive" | "mor"; atMs: number; forS: number }>;
  restartsAtMs: number[];
  restartDownMs: number;
  liftAtMs: number;
  stepDeadlineMs: number;
  drainTimeoutMs: number;
}
export const PRESETS: Readonly<Record<"small" | "large", Preset>>;

export interface PartnerCounts {
  expected: number;
  effects: number;
  requests: number;
  refused: number;
  slow: number;
  resends: number;
  lost: number;
  doubled: number;
  misordered: number;
}

export interface Verdict {
  ok: boolean;
  partners: Record<"vendor" | "koodrive" | "mor", PartnerCounts>;
  gateway: { instances: number; byPlatform: Record<string, number>; unacknowledged: number; stateMismatch: number; eventsLost: number; eventsDoubled: number; eventsMisordered: number };
  deliveries: { total: number; byConnector: Record<string, number>; delivered: number; pending: number; skipped: number; dead: number };
  calls: { sent: number; copies: number; late: number; lateStale: number; lateRefused: number; lateDropped: number; retries: number; serverErrors: number; serverErrorsInDowntime: number; badSignatures: number };
  deadLetters: number;
  totals: { lost: number; doubled: number; misordered: number };
  problems: string[];
}

export interface ChaosResult {
  ok: boolean;
  seed: string;
  preset: string;
  scale: number;
  verdict: Verdict;
  restarts: { count: number; downtimesMs: number[] };
  durations: { workloadMs: number; drainMs: number; totalMs: number };
  drained: boolean;
  workDir: string | null;
}

export interface ChaosOptions {
  seed: string;
  preset: Preset;
  staleDuplicates?: boolean;
  keep?: boolean;
  log?: (line: string) => void;
}

export function runChaos(options: ChaosOptions): Promise<ChaosResult>;
export function formatSummary(result: ChaosResult): string;
export function runCli(argv: string[]): Promise<number>;
export const USAGE: string;
