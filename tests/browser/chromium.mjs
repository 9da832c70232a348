// chromium.mjs — the one headless Chromium setup of the browser test and of
// tools/make_doc_images.sh: Debian's /usr/bin/chromium driven by
// playwright-core (no browser download), a throw-away profile, no network
// services, a 1280 x 900 viewport. open() records console errors, page
// errors and every request other than the report file and data: URIs.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Open report (a file path) with the given colour scheme ('light' or
// 'dark'). Returns { page, problems, close }.
export async function open(report, colorScheme = 'light') {
  const url = pathToFileURL(resolve(report)).href;
  const problems = [];
  const profile = mkdtempSync(join(tmpdir(), 'parity-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, args: FLAGS,
    viewport: { width: 1280, height: 900 }, colorScheme,
  });
  const page = ctx.pages()[0] ?? await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  ctx.on('request', (r) => {
    const u = r.url();
    if (u !== url && !u.startsWith('data:')) problems.push(`network request: ${u}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  const close = async () => {
    await ctx.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { page, problems, close };
}
