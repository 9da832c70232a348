// report_check.mjs REPORT.html SCREENSHOT.png FACTS.json
// Opens a parity HTML report in Debian's headless Chromium (driven by
// playwright-core, no browser download), fails on any console error, page
// error or network request other than the report file itself and data:
// URIs, checks the skip link is the first stop of the keyboard, clicks a
// sort button, takes a screenshot and writes what the DOM shows (numbers
// from data-value attributes) to FACTS.json for check_report.py.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [report, shot, factsPath] = process.argv.slice(2);
const url = pathToFileURL(resolve(report)).href;
const problems = [];
const profile = mkdtempSync(join(tmpdir(), 'parity-chromium-'));
const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium', headless: true, args: flags,
  viewport: { width: 1280, height: 900 },
});
try {
  const page = ctx.pages()[0] ?? await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  ctx.on('request', (r) => {
    const u = r.url();
    if (u !== url && !u.startsWith('data:')) problems.push(`network request: ${u}`);
  });
  await page.goto(url, { waitUntil: 'load' });
  await page.keyboard.press('Tab');
  const firstFocus = await page.evaluate(() => document.activeElement?.className ?? '');
  if (firstFocus !== 'skip') problems.push(`first Tab stop is '${firstFocus}', not the skip link`);
  await page.keyboard.press('Escape');
  await page.screenshot({ path: shot });
  const sortButton = page.locator('#stage-table th button').nth(3);
  await sortButton.click();
  await sortButton.click();
  const facts = await page.evaluate(() => {
    const val = (td) => Number(td.getAttribute('data-value'));
    const text = (sel) => document.querySelector(sel)?.textContent ?? null;
    const schedule = [...document.querySelectorAll('#schedule-table tbody tr')].map((tr) => ({
      k: Number(tr.dataset.k), cells: [...tr.querySelectorAll('td[data-value]')].map(val),
    }));
    const series = {};
    for (const tr of document.querySelectorAll('#series-table tbody tr')) {
      series[tr.dataset.series] = [...tr.querySelectorAll('td[data-k]')].map((td) => [Number(td.dataset.k), val(td)]);
    }
    const profiles = [...document.querySelectorAll('figure.profile')].map((f) => ({
      stage: f.dataset.stage, axis: Number(f.dataset.axis), len: Number(f.dataset.len),
      values: (f.dataset.values ?? '').split(',').filter((s) => s.length).map(Number),
      hasSvg: !!f.querySelector('svg path.line'),
    }));
    const imgs = [...document.images].map((i) => ({ ok: i.complete && i.naturalWidth > 0, src: i.src.slice(0, 22) }));
    return {
      counts: [text('#n-match'), text('#n-small'), text('#n-large')].map(Number),
      stageRows: document.querySelectorAll('#stage-table tbody tr').length,
      first: document.querySelector('#stage-table tr.first, #stage-table tr.culprit')?.dataset.name ?? null,
      culprit: document.querySelector('#stage-table tr.culprit')?.dataset.name ?? null,
      scheduleCharts: document.querySelectorAll('#schedule-charts svg').length,
      schedule, series, profiles, imgs,
      cards: document.querySelectorAll('article.card').length,
      explained: [...document.querySelectorAll('#explain h3 code')].map((c) => c.textContent),
    };
  });
  writeFileSync(factsPath, JSON.stringify(facts, null, 1));
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
if (problems.length) {
  for (const p of problems) console.log(`FAIL: ${p}`);
  process.exit(1);
}
