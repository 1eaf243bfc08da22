/**
 * Launches Debian's Chromium for the browser tests (`@kp/transport-ws-client`, `apps/demo`), with
 * the flags this machine needs. Never skips: without Chromium it fails and says how to get it.
 * `chromium` is playwright-core's launcher, passed in by the test (each test package depends on
 * playwright-core itself).
 */
import { existsSync } from 'node:fs'

export const CHROMIUM = '/usr/bin/chromium'

/** Headless, no sandbox (root), and none of the background connections a closed network refuses. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

interface Launcher<B> {
  launch(options: { executablePath: string; args: string[]; timeout: number }): Promise<B>
}

/** Launches Chromium, or throws an error that says how to install it. */
export async function launchChromium<B>(chromium: Launcher<B>): Promise<B> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: the browser tests need it. Install it with ` +
        '`apt-get update && apt-get install -y chromium` (`pnpm test` does it first: scripts/ensure-test-deps.mjs).',
    )
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 20_000 })
}
