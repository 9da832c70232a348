// screenshot.mjs REPORT.html OUT.png [SELECTOR] [light|dark]
// A screenshot of a parity HTML report in the browser test's headless
// Chromium (chromium.mjs: same binary, flags and 1280 x 900 viewport): the
// element SELECTOR (e.g. '#solver'), or the viewport at the top of the page
// when SELECTOR is absent or '-'. Fails, like the test, on a console error
// or a network request. Used by tools/make_doc_images.sh.
import { open } from './chromium.mjs';

const [report, out, selector = '-', scheme = 'light'] = process.argv.slice(2);
const { page, problems, close } = await open(report, scheme);
try {
  if (selector === '-') await page.screenshot({ path: out });
  else await page.locator(selector).first().screenshot({ path: out });
} finally {
  await close();
}
if (problems.length) {
  for (const p of problems) console.log(`FAIL: ${p}`);
  process.exit(1);
}
