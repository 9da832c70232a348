// screenshot.mjs REPORT.html OUT.png [SELECTOR] [light|dark]
// A screenshot of a parity HTML report in the browser test's headless
// Chromium (chromium.mjs: same binary, flags and 1280 x 900 viewport): the
// element SELECTOR (e.g. '#solver') with a 16 px margin, or the viewport at the top of the page
// when SELECTOR is absent or '-'. Fails, like the test, on a console error
// or a network request. Used by tools/make_doc_images.sh.
import { open } from './chromium.mjs';

const [report, out, selector = '-', scheme = 'light'] = process.argv.slice(2);
const { page, problems, close } = await open(report, scheme);
try {
  if (selector === '-') await page.screenshot({ path: out });
  else {
    // the element with a 16 px margin of the page around it
    const b = await page.locator(selector).first().boundingBox();
    const x = Math.max(0, b.x - 16), y = Math.max(0, b.y - 16);
    await page.screenshot({ path: out, fullPage: true, clip: { x, y, width: b.width + 32, height: b.height + 32 } });
  }
} finally {
  await close();
}
if (problems.length) {
  for (const p of problems) console.log(`FAIL: ${p}`);
  process.exit(1);
}
