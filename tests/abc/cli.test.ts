// `cefm-native abc` run as a user runs it: output, files written, exit codes.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ABC_FEATURE_KEYS, COLOR_NAMES, measureAbcFiles } from '../../src/ts/concepts/abc.js';
import { ABC_CSV_COLUMNS } from '../../src/ts/concepts/abc-csv.js';
import { packageRoot } from '../../src/ts/paths.js';
import { runCli } from '../util/cli.js';

const ISIC = join(packageRoot, '..', 'shared', 'data', 'isic2017-sample');
const image = (id: string) => join(ISIC, 'ISIC-2017_Training_Data', `${id}.jpg`);
const mask = (id: string) => join(ISIC, 'ISIC-2017_Training_Part1_GroundTruth', `${id}_segmentation.png`);
const ID = 'ISIC_0014891';
const tmp = mkdtempSync(join(tmpdir(), 'abc-cli-'));

test('--json prints one object with exactly the documented keys and the library values', async () => {
  const r = await runCli(['abc', '--image', image(ID), '--mask', mask(ID), '--json']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.is(lines.length, 1);
  const out = JSON.parse(lines[0]);
  assert.equal(Object.keys(out), [...ABC_FEATURE_KEYS]);
  assert.equal(Object.keys(out.colors), [...COLOR_NAMES]);
  assert.equal(Object.keys(out.color_fractions), [...COLOR_NAMES]);
  const lib = await measureAbcFiles(image(ID), mask(ID));
  for (const k of ABC_FEATURE_KEYS) assert.equal(out[k], lib[k], k);
});

test('without --json: an aligned table a person can read, and --overlay writes the picture', async () => {
  const overlay = join(tmp, 'overlay.png');
  const r = await runCli(['abc', '--image', image(ID), '--mask', mask(ID), '--overlay', overlay]);
  assert.is(r.code, 0, r.stderr);
  for (const heading of ['Asymmetry', 'Border', 'Colour']) assert.match(r.stdout, new RegExp(`^${heading}$`, 'm'));
  const lib = await measureAbcFiles(image(ID), mask(ID));
  assert.match(r.stdout, new RegExp(`asymmetric axes +${lib.asymmetry_axes} of 2`));
  assert.match(r.stdout, new RegExp(`abrupt border sectors +${lib.border_score} of 8`));
  assert.match(r.stdout, new RegExp(`${lib.A.toFixed(2)} grey levels`));
  // Every value starts in the same column: labels are padded to one width.
  const valueColumn = (l: string) => {
    const m = /^( +\S.*?\S)( {2,})\S/.exec(l);
    return m ? m[1].length + m[2].length : -1;
  };
  const rows = r.stdout.split('\n').filter((l) => l.startsWith('  '));
  assert.ok(rows.length >= 10, r.stdout);
  assert.is(new Set(rows.map(valueColumn)).size, 1, `values not aligned:\n${rows.join('\n')}`);
  const meta = await sharp(overlay).metadata();
  assert.equal([meta.format, meta.width], ['png', 1600]);
  assert.ok(meta.height! > 500, 'the legend strip lies below the 500-px pictures');
});

test('--data: a CSV row per image, bad images skipped with one line each, exit code 3', async () => {
  const dir = join(tmp, 'set');
  const out = join(tmp, 'out', 'abc.csv');
  const ids = ['ISIC_0014628', 'ISIC_0014891'];
  const lines = ['image,label,mask'];
  mkdirSync(dir, { recursive: true });
  for (const [i, id] of ids.entries()) {
    copyFileSync(image(id), join(dir, `${id}.jpg`));
    copyFileSync(mask(id), join(dir, `${id}_mask.png`));
    lines.push(`${id}.jpg,${i === 1 ? 'melanoma' : 'nevus'},${id}_mask.png`);
  }
  writeFileSync(join(dir, 'truncated.jpg'), readFileSync(image(ids[0])).subarray(0, 2000));
  lines.push(`truncated.jpg,nevus,${ids[0]}_mask.png`);
  writeFileSync(join(dir, 'labels.csv'), `${lines.join('\n')}\n`);

  const r = await runCli(['abc', '--data', `csv:${dir}`, '--out', out, '--jobs', '2']);
  assert.is(r.code, 3, r.stderr);
  const skipped = r.stderr.split('\n').filter((l) => l.startsWith('skipped:'));
  assert.is(skipped.length, 1, r.stderr);
  assert.match(skipped[0], /truncated\.jpg/);
  const csv = readFileSync(out, 'utf8').trim().split('\n');
  assert.is(csv[0], ABC_CSV_COLUMNS.join(','));
  assert.equal(csv.slice(1).map((l) => l.split(',')[0]), ids);
  assert.equal(csv.slice(1).map((l) => l.split(',')[3]), ['0', '1']);
  const a = Number(csv[2].split(',')[ABC_CSV_COLUMNS.indexOf('A')]);
  assert.is(a, (await measureAbcFiles(image(ids[1]), mask(ids[1]))).A);
  assert.equal(readdirSync(join(tmp, 'out')), ['abc.csv'], 'no temp file left');
});

test('bad usage exits 2; a missing file exits 1 with one line naming it', async () => {
  for (const args of [['abc'], ['abc', '--image', image(ID)], ['abc', '--data', `isic2017:${ISIC}`], ['abc', '--image', image(ID), '--mask', mask(ID), '--data', `isic2017:${ISIC}`, '--out', 'x.csv']]) {
    const r = await runCli(args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  const r = await runCli(['abc', '--image', join(tmp, 'nope.jpg'), '--mask', mask(ID)]);
  assert.is(r.code, 1);
  const err = r.stderr.trim().split('\n');
  assert.is(err.length, 1, r.stderr);
  assert.match(err[0], /nope\.jpg: file not found/);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
