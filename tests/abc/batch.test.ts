// Many measurements at once: off the event loop, same answers as one at a time, failures reported.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { measureAbc } from '../../src/ts/concepts/abc.js';
import { measureAbcSamples } from '../../src/ts/concepts/abc-batch.js';
import type { Sample } from '../../src/ts/data/spec.js';
import { Rng } from '../util/rng.js';
import { patchyColour, randomBlob, renderLesion, type Scene } from './synth.js';

const scenes: Scene[] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
  renderLesion({ width: 601 + 2 * i, height: 451, cx: 300.5 + i, cy: 220.3, angle: 0.3 * i, inside: randomBlob(new Rng(100 + i), 170), colour: patchyColour(new Rng(200 + i), 170) }),
);

test('the event loop keeps running while measurements run, and concurrent results equal sequential ones', async () => {
  const sequential = [];
  for (const s of scenes) sequential.push(await measureAbc(s.image, s.mask));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const started = Date.now();
  const concurrent = await Promise.all(scenes.map((s) => measureAbc(s.image, s.mask)));
  const ms = Date.now() - started;
  clearInterval(timer);
  assert.equal(concurrent, sequential);
  // Had the measurements blocked the loop, the 1 ms timer could not have fired in between.
  assert.ok(ticks >= 3, `only ${ticks} timer ticks in ${ms} ms`);
});

test('a data set: results in input order; missing masks, broken and empty files reported, not thrown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'abc-batch-'));
  try {
    const samples: Sample[] = [];
    const add = (id: string, image: string, mask?: string) => samples.push({ id, image, mask, labels: { melanoma: 0 }, source: 'test' });
    for (let i = 0; i < 3; i++) {
      const { image, mask } = scenes[i];
      const imageFile = join(dir, `lesion${i}.png`), maskFile = join(dir, `lesion${i}_mask.png`);
      await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } }).png().toFile(imageFile);
      await sharp(Buffer.from(mask.data.map((v) => v * 255)), { raw: { width: mask.width, height: mask.height, channels: 1 } }).png().toFile(maskFile);
      add(`lesion${i}`, imageFile, maskFile);
    }
    writeFileSync(join(dir, 'broken.jpg'), 'not a jpeg at all');
    add('broken', join(dir, 'broken.jpg'), samples[0].mask);
    add('nomask', samples[1].image);
    const blank = join(dir, 'blank_mask.png');
    const { width, height } = scenes[2].image;
    await sharp(Buffer.alloc(width * height), { raw: { width, height, channels: 1 } }).png().toFile(blank);
    add('blank', samples[2].image, blank);

    const seen: string[] = [];
    const results = await measureAbcSamples(samples, { concurrency: 3, onResult: (r) => seen.push(r.sample.id) });
    assert.equal(results.map((r) => r.sample.id), samples.map((s) => s.id));
    assert.equal(seen.sort(), samples.map((s) => s.id).sort());
    assert.equal(results.map((r) => r.ok), [true, true, true, false, false, false]);
    const errors = results.flatMap((r) => (r.ok ? [] : [r.error]));
    assert.match(errors[0], /broken\.jpg: not an image/);
    assert.match(errors[1], /lesion1\.png: no lesion mask/);
    assert.match(errors[2], /blank_mask\.png: .*no lesion/);
    for (const e of errors) assert.not.match(e, /\n/);
    // Files decoded by sharp give the same features as the in-memory scenes.
    for (let i = 0; i < 3; i++) {
      const r = results[i];
      assert.ok(r.ok);
      assert.equal(r.ok && r.features.A, (await measureAbc(scenes[i].image, scenes[i].mask)).A);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
