/**
 * @module tools/browser/chromium
 * Debian's Chromium, driven by playwright-core (which downloads no browser of its own). Installed
 * by `npm run browser:install` (apt-get, as .ci/run does); the flags keep it off the network,
 * which this project's machines do not have.
 */
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Whether the browser is installed. */
export const hasChromium = () => existsSync(CHROMIUM_PATH);

/** Headless Chromium with no background networking, no sandbox (CI runs as root), a fresh profile. */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}
