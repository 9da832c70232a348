// report_check.mjs REPORT.html SHOT FACTS.json
// Opens a parity HTML report in Debian's headless Chromium (chromium.mjs)
// and fails on any console error, page error or network request other than
// the report itself and data: URIs. Checks what only a browser can:
//   - the skip link is the first Tab stop;
//   - the keys j / k move the focus from card to card (to each card's name
//     link, never to its "(in the table)" link);
//   - in every chart, as laid out: legend entries do not overlap each other
//     or leave the chart, each legend swatch has its line's colour and dash
//     pattern, the y label overlaps no y tick label, tick labels do not
//     overlap;
// takes three screenshots: SHOT.png (viewport), SHOT-full.png (the whole
// page) and SHOT-dark.png (viewport, dark scheme); and writes what the DOM
// shows to FACTS.json for check_report.py (numbers from data-value
// attributes, highlighted rows, tick values, line colours against their
// background in both schemes).
import { writeFileSync } from 'node:fs';
import { open } from './chromium.mjs';

const [report, shot, factsPath] = process.argv.slice(2);
const base = shot.replace(/\.png$/, '');
const { page, problems, close } = await open(report);

// The href of the focused element ('' when none).
const focused = () => page.evaluate(() => document.activeElement?.getAttribute('href') ?? '');

async function checkKeys() {
  const cards = await page.$$eval('article.card', (as) => as.map((a) => `#${a.id}`));
  await page.evaluate(() => document.activeElement?.blur());
  const want = cards.length > 1 ? [cards[0], cards[1], cards[0]] : cards.slice(0, 1);
  const keys = cards.length > 1 ? ['j', 'j', 'k'] : ['j'];
  for (let i = 0; i < want.length; i++) {
    await page.keyboard.press(keys[i]);
    const got = await focused();
    if (got !== want[i]) problems.push(`key '${keys[i]}' (#${i + 1}) focused '${got}', expected '${want[i]}'`);
  }
  return cards.length;
}

// Layout of every chart: overlaps measured on the rendered boxes.
const layoutProblems = () => page.evaluate(() => {
  const out = [];
  const box = (e) => e.getBoundingClientRect();
  const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const pairwise = (els, what, title) => {
    for (let i = 0; i < els.length; i++) {
      for (let j = i + 1; j < els.length; j++) {
        if (overlap(box(els[i]), box(els[j]))) out.push(`${title}: ${what} '${els[i].textContent}' overlaps '${els[j].textContent}'`);
      }
    }
  };
  document.querySelectorAll('svg.chart').forEach((svg) => {
    const title = svg.getAttribute('aria-label');
    const sb = box(svg);
    const items = [...svg.querySelectorAll('g.legend-item')];
    pairwise(items, 'legend entry', title);
    for (const it of items) {
      if (box(it).right > sb.right + 0.5) out.push(`${title}: legend entry '${it.textContent}' leaves the chart`);
      const cls = [...it.classList].find((c) => /^s\d$/.test(c));
      const path = svg.querySelector(`g.series.${cls} path.line`);
      const sw = it.querySelector('line');
      if (!path || getComputedStyle(sw).stroke !== getComputedStyle(path).stroke) out.push(`${title}: legend swatch '${it.textContent}' has not its line's colour`);
      if (path && (sw.getAttribute('stroke-dasharray') ?? '') !== (path.getAttribute('stroke-dasharray') ?? '')) out.push(`${title}: legend swatch '${it.textContent}' has not its line's dashes`);
    }
    const ylabel = svg.querySelector('text.ylabel');
    const yticks = [...svg.querySelectorAll('text.ytick')];
    for (const t of yticks) {
      if (ylabel && ylabel.textContent && overlap(box(ylabel), box(t))) out.push(`${title}: y label overlaps tick '${t.textContent}'`);
      if (box(t).left < sb.left - 0.5) out.push(`${title}: y tick '${t.textContent}' leaves the chart`);
    }
    pairwise(yticks, 'y tick', title);
    pairwise([...svg.querySelectorAll('text.xtick')], 'x tick', title);
  });
  return out;
});

// Each chart line's colour and the background it is drawn on.
const lineColours = () => page.evaluate(() => {
  const bg = (e) => {
    for (; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c;
    }
    return getComputedStyle(document.body).backgroundColor;
  };
  return [...document.querySelectorAll('svg.chart path.line')].map((p) => ({
    chart: p.closest('svg').getAttribute('aria-label'), series: p.parentElement.getAttribute('class'),
    stroke: getComputedStyle(p).stroke, background: bg(p.closest('svg')),
  }));
});

try {
  await page.keyboard.press('Tab');
  const firstFocus = await page.evaluate(() => document.activeElement?.className ?? '');
  if (firstFocus !== 'skip') problems.push(`first Tab stop is '${firstFocus}', not the skip link`);
  await page.evaluate(() => document.activeElement?.blur());
  await page.screenshot({ path: `${base}.png` });
  await page.screenshot({ path: `${base}-full.png`, fullPage: true });
  const nCards = await checkKeys();
  problems.push(...await layoutProblems());
  const colours = { light: await lineColours() };
  await page.emulateMedia({ colorScheme: 'dark' });
  colours.dark = await lineColours();
  problems.push(...(await layoutProblems()).map((p) => `dark: ${p}`));
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${base}-dark.png` });
  await page.emulateMedia({ colorScheme: 'light' });
  const stageNames = await page.$$eval('#stage-table tbody tr', (trs) => trs.map((tr) => tr.dataset.name));
  const sortButton = page.locator('#stage-table th button').nth(3);
  await sortButton.click();
  await sortButton.click();
  const facts = await page.evaluate(() => {
    const val = (td) => Number(td.getAttribute('data-value'));
    const text = (sel) => document.querySelector(sel)?.textContent ?? null;
    const names = (sel) => [...document.querySelectorAll(sel)].map((e) => e.dataset.name ?? e.textContent);
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
    const ticks = [...document.querySelectorAll('svg.chart')].map((svg) => ({
      chart: svg.getAttribute('aria-label'),
      y: [...svg.querySelectorAll('text.ytick')].map((t) => t.textContent),
      x: [...svg.querySelectorAll('text.xtick')].map((t) => t.textContent),
    }));
    const badged = (word) => [...document.querySelectorAll('#stage-table tbody tr')]
      .filter((tr) => [...tr.querySelectorAll('.badge')].some((b) => b.textContent === word)).map((tr) => tr.dataset.name);
    const imgs = [...document.images].map((i) => ({ ok: i.complete && i.naturalWidth > 0, src: i.src.slice(0, 22) }));
    return {
      counts: [text('#n-match'), text('#n-small'), text('#n-large')].map(Number),
      stageRows: document.querySelectorAll('#stage-table tbody tr').length,
      stageNumbers: [...document.querySelectorAll('#stage-table tbody tr')].map((tr) => [tr.dataset.name, Number(tr.id.replace('stage-', '')), Number(tr.cells[0].textContent)]),
      firstRows: names('#stage-table tbody tr.first'),
      culpritRows: names('#stage-table tbody tr.culprit'),
      firstBadge: badged('first divergence'), culpritBadge: badged('culprit'),
      verdictLinks: [...document.querySelectorAll('#verdict a')].map((a) => [a.textContent, a.getAttribute('href')]),
      scheduleCharts: document.querySelectorAll('#schedule-charts svg').length,
      schedule, series, profiles, imgs, ticks,
      cards: [...document.querySelectorAll('article.card')].map((a) => [a.dataset.name, a.id]),
      explained: [...document.querySelectorAll('#explain h3 code')].map((c) => c.textContent),
    };
  });
  Object.assign(facts, { stageNames, colours, nCards });
  writeFileSync(factsPath, JSON.stringify(facts, null, 1));
} finally {
  await close();
}
if (problems.length) {
  for (const p of problems) console.log(`FAIL: ${p}`);
  process.exit(1);
}
