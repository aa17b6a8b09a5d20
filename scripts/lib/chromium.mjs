// Launches Debian's Chromium headless through playwright-core. `args` adds switches, e.g.
// --host-resolver-rules or --ignore-certificate-errors-spki-list (the deploy tests').
import { chromium } from 'playwright-core';

export function launch({ args = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', ...args],
  });
}
