// Split options on real data: parts are disjoint and cover the source, `exclude` drops another
// dataset's ids, and `repeat` weights a source in training only.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../../src/ts/errors.js';
import { openSplit, openSplits } from '../../src/ts/train/splits.js';
import { sharedData } from '../data/fixtures.js';

const sample = join(sharedData(), 'isic2017-sample');
const spec = (extra: string) => `isic2017:${sample}${extra}`;

test('train / val / test parts are disjoint and together are the whole source', async () => {
  const all = (await openSplit(spec(''))).samples.map((s) => s.id);
  const parts = await Promise.all(['train', 'val', 'test'].map(async (p) => (await openSplit(spec(`;part=${p};holdout=0.2;val=0.1`))).samples.map((s) => s.id)));
  assert.is(new Set(parts.flat()).size, parts.flat().length, 'no image in two parts');
  assert.equal([...parts.flat()].sort(), [...all].sort());
  assert.ok(Math.abs(parts[2].length - 0.2 * all.length) <= 3, `test part ${parts[2].length} of ${all.length}`);
});

test(';repeat=3 repeats the source three times in training, once in evaluation', async () => {
  const once = (await openSplits([spec(';part=val')])).samples;
  const train = await openSplits([spec(';part=val;repeat=3'), spec(';part=test')], { training: true });
  const test_ = (await openSplits([spec(';part=test')])).samples;
  assert.is(train.samples.length, 3 * once.length + test_.length);
  const ids = train.samples.map((s) => s.id);
  for (const s of once) assert.is(ids.filter((id) => id === s.id).length, 3, s.id);
  assert.is(train.reports[0].count, once.length, 'the report counts distinct images');
  const evaluated = await openSplits([spec(';part=val;repeat=3')]);
  assert.is(evaluated.samples.length, once.length);
});

test(';exclude drops the ids of another folder; bad repeat values are refused', async () => {
  const none = await openSplit(spec(`;exclude=${sample}`));
  assert.is(none.samples.length, 0);
  for (const bad of ['0', '1.5', 'x', '101']) {
    try {
      await openSplit(spec(`;repeat=${bad}`));
      assert.unreachable(`repeat=${bad} accepted`);
    } catch (e) {
      assert.ok(e instanceof UsageError && /repeat must be an integer/.test((e as Error).message), (e as Error).message);
    }
  }
});

test.run();
