/** Types for tools/browser/chromium.mjs. */
import type { Browser } from "playwright-core";
export const CHROMIUM_PATH: string;
export function hasChromium(): boolean;
export function launchChromium(): Promise<Browser>;
