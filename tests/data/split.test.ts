import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDataset, type Sample } from '../../src/ts/data/spec.js';
import { splitSamples } from '../../src/ts/data/split.js';
import { Rng, sharedData } from './fixtures.js';

/** HAM10000-like samples: lesions with 1 to 4 images each, 7 diagnoses with skewed frequencies. */
function hamLike(seed: number, lesions: number): Sample[] {
  const rng = new Rng(seed);
  const dx = ['nevus', 'nevus', 'nevus', 'nevus', 'melanoma', 'benign keratosis', 'basal cell carcinoma', 'dermatofibroma'];
  const out: Sample[] = [];
  for (let l = 0; l < lesions; l++) {
    const diagnosis = dx[rng.int(dx.length)];
    const images = 1 + rng.int(4);
    for (let k = 0; k < images; k++) {
      out.push({ id: `ISIC_${l}_${k}`, image: `/x/${l}_${k}.jpg`, labels: { melanoma: diagnosis === 'melanoma' ? 1 : 0, diagnosis }, source: 'ham10000:/x', group: `HAM_${l}` });
    }
  }
  return out;
}

test('no lesion_id on two sides; every sample in exactly one part; shares and strata close to the targets', () => {
  const samples = hamLike(401, 1500);
  const split = splitSamples(samples, { val: 0.15, test: 0.2, seed: 3 });
  const side = new Map<string, string>();
  for (const part of ['train', 'val', 'test'] as const) {
    for (const s of split[part]) {
      const seen = side.get(s.group!);
      assert.ok(seen === undefined || seen === part, `${s.group} in ${seen} and ${part}`);
      side.set(s.group!, part);
    }
  }
  const ids = [...split.train, ...split.val, ...split.test].map((s) => s.id).sort();
  assert.equal(ids, samples.map((s) => s.id).sort());
  const n = samples.length;
  assert.ok(Math.abs(split.val.length / n - 0.15) < 0.01, `val ${split.val.length / n}`);
  assert.ok(Math.abs(split.test.length / n - 0.2) < 0.01, `test ${split.test.length / n}`);
  const melShare = (list: Sample[]) => list.filter((s) => s.labels.melanoma).length / list.length;
  for (const part of [split.train, split.val, split.test]) assert.ok(Math.abs(melShare(part) - melShare(samples)) < 0.02);
  // Input order is kept within a part.
  const pos = new Map(samples.map((s, i) => [s.id, i]));
  for (const part of [split.train, split.val, split.test]) for (let i = 1; i < part.length; i++) assert.ok(pos.get(part[i - 1].id)! < pos.get(part[i].id)!);
});

test('seeded: same seed same split, another seed another split', () => {
  const samples = hamLike(402, 300);
  const ids = (seed: number) => splitSamples(samples, { val: 0.2, test: 0.2, seed }).test.map((s) => s.id).join();
  assert.is(ids(5), ids(5));
  assert.is.not(ids(5), ids(6));
});

test('samples without a group split one by one; bad fractions are refused', async () => {
  const { samples } = await openDataset(`isic2017:${join(sharedData(), 'isic2017-sample')}`);
  const split = splitSamples(samples, { val: 0.2, test: 0.2, seed: 1 });
  assert.equal([split.train.length, split.val.length, split.test.length], [90, 30, 30]);
  for (const part of [split.val, split.test]) assert.ok(part.filter((s) => s.labels.melanoma).length >= 5);
  assert.throws(() => splitSamples(samples, { val: 0.6, test: 0.5, seed: 1 }), /sum to less than 1/);
});

test.run();
