/**
 * @module tools/lib/wrangler-dev
 * Types for the `wrangler dev` launcher (see wrangler-dev.mjs).
 */
export const REPO_DIR: string;
export function freePort(): Promise<number>;
export interface DevOptions {
  config?: string;
  envFile?: string;
  vars?: Record<string, string>;
  persistTo?: string;
  port?: number;
  testScheduled?: boolean;
  onLog?: (line: string) => void;
  readyTimeoutMs?: number;
}
export interface DevServer {
  url: string;
  port: number;
  log: string[];
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
}
export function startWranglerDev(options?: DevOptions): Promise<DevServer>;
