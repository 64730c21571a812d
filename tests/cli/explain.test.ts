// `cefm-native explain` as a user runs it, with tiny models trained here on the ISIC 2017 sample and
// the example image's ground-truth mask.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ExplainReport } from '../../src/ts/explain/report.js';
import { runCli } from '../util/cli.js';
import { htmlVisibleText, ungroundedNumbers } from '../explain/grounding.js';
import { ISIC_SAMPLE, trainTinyModels, type TinyModels } from './tiny-models.js';

const IMAGE = 'examples/ISIC_0014722.jpg';
const MASK = `${ISIC_SAMPLE}/ISIC-2017_Training_Part1_GroundTruth/ISIC_0014722_segmentation.png`;
let m: TinyModels;
let args: string[];
let report: ExplainReport;

test.before(async () => {
  m = await trainTinyModels();
  args = ['explain', IMAGE, '--mask', MASK, '--model', m.cefm, '--model', m.multitask, '--backend', 'native'];
});
test.after(() => m?.cleanup());

test('--format json has the ExplainReport fields', async () => {
  const r = await runCli([...args, '--format', 'json'], { timeoutMs: 40000 });
  assert.is(r.code, 0, r.stderr);
  report = JSON.parse(r.stdout) as ExplainReport;
  const meta = await sharp(IMAGE).metadata();
  assert.equal(report.image, { width: meta.width, height: meta.height });
  assert.is(report.file, IMAGE);
  assert.is(report.models.cefm, m.cefm);
  assert.is(report.models.multitask, m.multitask);
  assert.is(report.mask.source, 'given');
  assert.ok(report.mask.area_fraction > 0 && report.mask.area_fraction < 1);
  const d = report.diagnosis;
  for (const p of [d.melanoma_probability, d.clinical_melanoma_probability, d.multitask_melanoma_probability!]) assert.ok(p > 0 && p < 1, String(p));
  assert.is(d.label, d.melanoma_probability >= d.threshold ? 'melanoma' : 'not melanoma');
  assert.is(report.criteria.length, 3);
  assert.ok(Number.isFinite(report.alignment.cosine) && Math.abs(report.alignment.cosine) <= 1 + 1e-6);
  assert.ok(Array.isArray(report.prototypes));
  assert.is(report.summary.agree, report.summary.image_says_melanoma === report.summary.clinical_says_melanoma);
  assert.type(report.disclaimer, 'string');
  assert.type(report.timing_ms, 'object');
});

test('--format text: every number printed is a number of the JSON report', async () => {
  const r = await runCli([...args, '--format', 'text'], { timeoutMs: 40000 });
  assert.is(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes(report.disclaimer));
  // Timings are the one thing that differs between the JSON run and this one: check that line by
  // its keys, and every other number against the JSON.
  const timing = r.stdout.split('\n').filter((l) => l.startsWith('Time taken:'));
  assert.is(timing.length, 1, r.stdout);
  for (const k of Object.keys(report.timing_ms)) assert.match(timing[0], new RegExp(`\\b${k} \\d+(\\.\\d+)? ms`));
  const bad = ungroundedNumbers(r.stdout.split('\n').filter((l) => !l.startsWith('Time taken:')).join('\n'), report);
  assert.equal(bad, [], `numbers not in the JSON: ${bad.join(', ')}`);
});

test('--format html --out writes one self-contained page; --overlay writes a PNG of the image width', async () => {
  const html = join(m.dir, 'report.html'), overlay = join(m.dir, 'overlay.png');
  const r = await runCli([...args, '--format', 'html', '--out', html, '--overlay', overlay], { timeoutMs: 40000 });
  assert.is(r.code, 0, r.stderr);
  const page = readFileSync(html, 'utf8');
  assert.is(page.match(/<html/gi)?.length, 1);
  assert.match(page, /<\/html>\s*$/);
  assert.not.match(page, /https?:/i);
  assert.not.match(page, /<script/i);
  const srcs = [...page.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((x) => x[1]);
  for (const s of srcs) assert.ok(s.startsWith('data:image/png;base64,') || s.startsWith('#'), `external reference ${s.slice(0, 40)}`);
  assert.ok(htmlVisibleText(page).includes(IMAGE));
  const meta = await sharp(overlay).metadata();
  const img = await sharp(IMAGE).metadata();
  assert.is(meta.format, 'png');
  assert.is(meta.width, img.width);
});

test('a non-image file: exit 1 with one line naming it', async () => {
  const r = await runCli(['explain', 'README.md', '--model', m.cefm, '--model', m.multitask, '--backend', 'native']);
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^cefm-native: .*README\.md/);
});

test.run();
