// The HTML report of the real example, overlay inlined, rendered by headless Chromium: the screenshot
// is a page (not blank: the red marker of the plots, the overlay's colours, dark text on white).
// Skipped (counted so) where chromium is not installed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderExplainOverlay, renderHtml } from '../../src/ts/explain/index.js';
import { skip } from '../util/skip.js';
import { exampleLesion } from './example.js';
import { distributions } from './fixtures.js';
import { htmlVisibleText, ungroundedNumbers } from './grounding.js';

const CHROMIUM = ['chromium', 'chromium-browser', 'google-chrome'].find((c) => !spawnSync(c, ['--version'], { stdio: 'ignore' }).error);

test('the example report page renders in headless Chromium and is not blank', async () => {
  const { inputs, report } = await exampleLesion();
  const html = renderHtml(report, { overlayPng: await renderExplainOverlay(inputs, report), distributions: distributions() });
  assert.equal(ungroundedNumbers(htmlVisibleText(html), report), []);
  if (process.env.CEFM_EXPLAIN_KEEP) writeFileSync(`${process.env.CEFM_EXPLAIN_KEEP}/report.html`, html);
  if (!CHROMIUM) return skip('chromium is not installed (apt-get install chromium)');
  const dir = mkdtempSync(join(tmpdir(), 'explain-html-'));
  try {
    const page = join(dir, 'report.html'), shot = join(dir, 'shot.png');
    writeFileSync(page, html);
    const run = spawnSync(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--user-data-dir=${join(dir, 'profile')}`,
      `--screenshot=${shot}`, '--window-size=1000,1400', `file://${page}`,
    ], { timeout: 120_000, encoding: 'utf8' });
    assert.ok(!run.error, `chromium did not run: ${run.error?.message}`);
    const png = readFileSync(shot);
    if (process.env.CEFM_EXPLAIN_KEEP) writeFileSync(`${process.env.CEFM_EXPLAIN_KEEP}/report-screenshot.png`, png);
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.equal([info.width, info.height], [1000, 1400]);
    let white = 0, dark = 0, red = 0;
    const n = info.width * info.height;
    for (let p = 0; p < n; p++) {
      const [r, g, b] = [data[3 * p], data[3 * p + 1], data[3 * p + 2]];
      white += +(r > 245 && g > 245 && b > 245);
      dark += +(r < 80 && g < 80 && b < 80);
      red += +(r > 150 && g < 90 && b < 90);
    }
    assert.ok(white / n > 0.2 && white / n < 0.97, `white share ${(white / n).toFixed(3)}`);
    assert.ok(dark > 5000, `text and picture (${dark} dark pixels)`);
    assert.ok(red > 200, `red marks: abrupt border, plot markers (${red} pixels)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
