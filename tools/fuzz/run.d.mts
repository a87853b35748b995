/**
 * @module tools/fuzz/run
 * Types for the fuzz runner (see run.mjs).
 */
export interface FamilyResult {
  family: string;
  sent: number;
  byStatus: Record<string, number>;
  /** 5xx other than the documented ActivePlatform 501. */
  serverErrors: number;
  resets: number;
  otherErrors: number;
  wrongForm: number;
  writes: number;
  emptyObjects: number;
  newTables: Record<string, number>;
  resetsAfter: Record<string, number>;
  checkedKeys: number;
  examples: string[];
  ms: number;
}

export interface FuzzReport {
  seed: number;
  families: FamilyResult[];
  ms: number;
}

export interface FuzzOptions {
  count?: number;
  families?: string[];
  seed?: number;
  connections?: number;
  log?: (line: string) => void;
}

export function runFuzz(options?: FuzzOptions): Promise<FuzzReport>;
export function formatReport(report: FuzzReport): string;
export function failed(report: FuzzReport): boolean;
