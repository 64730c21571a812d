// `cefm-native predict` as a user runs it, with tiny models trained here on the ISIC 2017 sample.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { packageRoot } from '../../src/ts/paths.js';
import { runCli } from '../util/cli.js';
import { trainTinyModels, type TinyModels } from './tiny-models.js';

let m: TinyModels;
let models: string[];
const examples = readdirSync(join(packageRoot, 'examples')).filter((f) => f.endsWith('.jpg')).sort().map((f) => join(packageRoot, 'examples', f));
const stem = (f: string) => f.split('/').pop()!.replace(/\.[^.]+$/, '');

test.before(async () => {
  m = await trainTinyModels();
  models = ['--model', m.multitask, '--model', m.cefm, '--backend', 'native', '--quiet'];
});
test.after(() => m?.cleanup());

const readJsonl = (f: string) => readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

test('a batch with a corrupt file: one record each, the bad one has error, exit 3; --resume skips done images', async () => {
  assert.ok(examples.length >= 2);
  const bad = join(m.dir, 'corrupt.jpg');
  writeFileSync(bad, Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 73 + 11) % 256)));
  const out = join(m.dir, 'results.jsonl');
  const r = await runCli(['predict', ...examples, bad, ...models, '--out', out], { timeoutMs: 40000 });
  assert.is(r.code, 3, r.stderr);
  const recs = readJsonl(out);
  assert.is(recs.length, examples.length + 1);
  assert.equal(recs.map((x) => x.file).sort(), [...examples, bad].sort());
  for (const rec of recs) {
    if (rec.file === bad) {
      assert.type(rec.error, 'string');
      assert.ok(rec.error.includes('corrupt.jpg'), rec.error);
    } else {
      assert.not.ok(rec.error, rec.error);
      assert.ok(rec.melanoma_prob > 0 && rec.melanoma_prob < 1, JSON.stringify(rec));
    }
  }
  // a new image is added: only it is predicted, the done ones are skipped
  const extra = join(packageRoot, 'examples', 'ISIC_0014722_segmentation.png');
  const again = await runCli(['predict', ...examples, extra, ...models, '--out', out, '--resume'], { timeoutMs: 40000 });
  assert.is(again.code, 0, again.stderr);
  const after = readJsonl(out);
  assert.is(after.length, examples.length + 2, 'only the new image was added');
  assert.is(after.filter((x) => x.file === examples[0]).length, 1);
  assert.is(after[after.length - 1].file, extra);
});

test('--masks-out writes <stem>_mask.png at the image size', async () => {
  const dir = join(m.dir, 'masks');
  const r = await runCli(['predict', ...examples, ...models, '--out', join(m.dir, 'm.jsonl'), '--masks-out', dir], { timeoutMs: 40000 });
  assert.is(r.code, 0, r.stderr);
  for (const f of examples) {
    const img = await sharp(f).metadata();
    const mask = sharp(join(dir, `${stem(f)}_mask.png`));
    const meta = await mask.metadata();
    assert.is(meta.format, 'png');
    assert.equal([meta.width, meta.height], [img.width, img.height], f);
    const { data } = await mask.raw().toBuffer({ resolveWithObject: true });
    assert.ok(data.every((v) => v === 0 || v === 255), 'a 0/255 mask');
  }
});

test('--list reads paths from a file (comments and blank lines skipped); no inputs at all is a usage error', async () => {
  const list = join(m.dir, 'list.txt');
  writeFileSync(list, `# the examples\n${examples[0]}\n\n${examples[1]}\n`);
  const out = join(m.dir, 'listed.jsonl');
  const r = await runCli(['predict', '--list', list, examples[2] ?? examples[0], ...models, '--out', out], { timeoutMs: 40000 });
  assert.is(r.code, 0, r.stderr);
  assert.equal(readJsonl(out).map((x) => x.file).sort(), [...new Set([examples[0], examples[1], examples[2] ?? examples[0]])].sort());
  const none = await runCli(['predict', ...models]);
  assert.is(none.code, 2, none.stderr);
  assert.match(none.stderr, /no input images/);
  const missing = await runCli(['predict', '--list', join(m.dir, 'nope.txt'), ...models]);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /nope\.txt: file not found/);
});

test('--mask at the image\'s full size is used for ABC (the image itself is decoded smaller)', async () => {
  const image = join(packageRoot, 'examples', 'ISIC_0014722.jpg');
  const mask = join(packageRoot, 'examples', 'ISIC_0014722_segmentation.png');
  const r = await runCli(['predict', image, '--mask', mask, ...models, '--json'], { timeoutMs: 40000 });
  assert.is(r.code, 0, r.stderr);
  const rec = JSON.parse(r.stdout);
  assert.not.ok(rec.error, rec.error);
  assert.ok(rec.abc && Number.isFinite(rec.abc.asymmetry ?? Object.values(rec.abc)[0]), JSON.stringify(rec.abc));
  const wrong = join(m.dir, 'small-mask.png');
  await sharp(Buffer.alloc(40 * 30, 255), { raw: { width: 40, height: 30, channels: 1 } }).png().toFile(wrong);
  const bad = await runCli(['predict', image, '--mask', wrong, ...models, '--json'], { timeoutMs: 40000 });
  assert.is(bad.code, 1, bad.stderr); // the only image failed: nothing could run
  assert.match(bad.stderr, /small-mask\.png/);
});

test('one image with --json prints one JSON object with logits', async () => {
  const r = await runCli(['predict', examples[0], ...models, '--json'], { timeoutMs: 40000 });
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim().split('\n').length, 1);
  const rec = JSON.parse(r.stdout);
  assert.is(rec.file, examples[0]);
  assert.ok(Object.keys(rec.logits).length > 0, JSON.stringify(rec.logits));
  for (const v of Object.values(rec.logits) as number[][]) assert.ok(v.length === 2 && v.every(Number.isFinite));
});

test('CSV output has a header and one row per image', async () => {
  const out = join(m.dir, 'results.csv');
  const r = await runCli(['predict', ...examples, ...models, '--out', out], { timeoutMs: 40000 });
  assert.is(r.code, 0, r.stderr);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.is(lines.length, examples.length + 1);
  const header = lines[0].split(',');
  assert.ok(header.includes('file') && header.includes('melanoma_prob'), lines[0]);
  const col = header.indexOf('melanoma_prob');
  for (const [i, f] of examples.entries()) {
    assert.ok(lines[i + 1].startsWith(f), lines[i + 1]);
    const p = Number(lines[i + 1].split(',')[col]);
    assert.ok(p > 0 && p < 1, lines[i + 1]);
  }
});

test.run();
