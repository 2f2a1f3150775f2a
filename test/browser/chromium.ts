// Which Chromium the browser test drives: the system's own (the Debian package `chromium`, which `.ci/run`
// installs with apt-get where it can), never a browser downloaded by Playwright. CHROMIUM_PATH names another one.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { LaunchOptions } from 'playwright-core';

export type ChromiumLookup = { path: string; why?: undefined } | { path?: undefined; why: string };

const NAMES = ['chromium', 'chromium-browser'];

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium to drive, or why there is none. A CHROMIUM_PATH that does not exist is an error, not an absence. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumLookup {
  if (env.CHROMIUM_PATH) {
    if (!executable(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file`);
    return { path: env.CHROMIUM_PATH };
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of NAMES) if (executable(join(dir, name))) return { path: join(dir, name) };
  }
  return {
    why:
      `no Chromium found: none of ${NAMES.join(', ')} is on PATH and CHROMIUM_PATH is not set ` +
      '(install the Debian package `chromium` — `.ci/run` does so with apt-get where it runs as root or with sudo)',
  };
}

/** Headless, no sandbox (CI runs as root), no background traffic to Google's services. */
export function launchOptions(executablePath: string): LaunchOptions {
  return { executablePath, headless: true, args: ['--no-sandbox', '--disable-background-networking'], timeout: 60_000 };
}
