import { readdirSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PreprocessCache } from '../../src/ts/data/cache.js';
import { maskToTensor, readMask, readRgb, resizeMask, resizeRgb, toTensor } from '../../src/ts/data/image.js';
import { type Batch, DataLoader, type LoaderOptions } from '../../src/ts/data/prefetch.js';
import { prepareSample, shadesOfGray } from '../../src/ts/data/preprocess.js';
import { openDataset, type Sample } from '../../src/ts/data/spec.js';
import { encodeBmp24, pngHeaderOnly, randomRgb, Rng, sharedData, smoothRgb, tempDir, writeFileMkdir, writeMaskPng, writeRgb } from './fixtures.js';

const rng = new Rng(501);
const dir = tempDir('pipeline');
const { samples: isic } = await openDataset(`isic2017:${join(sharedData(), 'isic2017-sample')}`);
const real = isic.slice(0, 9);

function sample(id: string, image: string, mask?: string): Sample {
  return { id, image, ...(mask ? { mask } : {}), labels: { melanoma: 0 }, source: 'test' };
}

/** Nine real samples with masks, a BMP without mask, and one of each kind of bad file. */
async function mixedSamples(): Promise<{ samples: Sample[]; bad: Map<string, RegExp> }> {
  const bmp = await writeFileMkdir(join(dir, 'ok.bmp'), encodeBmp24(smoothRgb(rng, 45, 31)));
  const jpeg = readFileSync(await writeRgb(join(dir, 'whole.jpg'), randomRgb(rng, 40, 30), 'jpeg'));
  const files = {
    empty: await writeFileMkdir(join(dir, 'empty.jpg'), new Uint8Array(0)),
    text: await writeFileMkdir(join(dir, 'text.jpg'), 'just some words\n'),
    truncated: await writeFileMkdir(join(dir, 'truncated.jpg'), jpeg.subarray(0, jpeg.length >> 1)),
    bomb: await writeFileMkdir(join(dir, 'bomb.png'), pngHeaderOnly(12000, 9000)),
    maskSize: await writeMaskPng(join(dir, 'small_mask.png'), new Uint8Array(20 * 10), 20, 10),
  };
  const bad = new Map<string, RegExp>([
    [files.empty, /empty file/],
    [files.text, /not an image/],
    [files.truncated, /truncated JPEG/],
    [files.bomb, /12000x9000 \(108 megapixels\), above the 100 megapixels limit/],
    [files.maskSize, /mask is 20x10 but its image is 800x500/],
  ]);
  const samples = [
    ...real.slice(0, 3),
    sample('empty', files.empty),
    sample('bmp', bmp),
    sample('text', files.text),
    ...real.slice(3, 6),
    sample('truncated', files.truncated),
    sample('bomb', files.bomb),
    sample('mask-size', real[0].image, files.maskSize),
    ...real.slice(6),
  ];
  return { samples, bad };
}

async function collect(loader: DataLoader, epoch: number): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of loader.epoch(epoch)) out.push(b);
  return out;
}

function sameBatches(a: Batch[], b: Batch[], what: string): void {
  assert.is(a.length, b.length, what);
  a.forEach((x, i) => {
    assert.equal(x.indices, b[i].indices, what);
    assert.equal(x.images.shape, b[i].images.shape, what);
    assert.ok(Buffer.from(x.images.data.buffer).equals(Buffer.from(b[i].images.data.buffer)), `${what}: images of batch ${i} differ`);
    assert.equal(x.hasMask, b[i].hasMask, what);
    assert.ok((x.masks === null) === (b[i].masks === null) && (!x.masks || Buffer.from(x.masks.data.buffer).equals(Buffer.from(b[i].masks!.data.buffer))), `${what}: masks of batch ${i} differ`);
  });
}

test('worker prefetch gives the same tensors as in process; bad files are skipped with one line each', async () => {
  const { samples, bad } = await mixedSamples();
  const opts: LoaderOptions = { size: { width: 33, height: 25 }, batchSize: 4, augment: {}, seed: 7, shuffle: true };
  const lines: string[] = [];
  const inProcess = new DataLoader(samples, { ...opts, workers: 0, onSkip: (s) => lines.push(`${s.file}: ${s.problem}`) });
  const pooled = new DataLoader(samples, { ...opts, workers: 2, prefetch: 3 });
  try {
    const a0 = await collect(inProcess, 0);
    const b0 = await collect(pooled, 0);
    sameBatches(a0, b0, 'epoch 0');
    sameBatches(await collect(inProcess, 1), await collect(pooled, 1), 'epoch 1');
    const good = a0.reduce((n, b) => n + b.samples.length, 0);
    assert.is(good, samples.length - bad.size);
    assert.equal(a0[0].images.shape.slice(1), [3, 25, 33]);
    // Skipped: every bad file once per epoch, same in both loaders, one line naming it.
    assert.is(inProcess.skipped.length, 2 * bad.size);
    assert.equal(inProcess.skipped.map((s) => s.file).sort(), pooled.skipped.map((s) => s.file).sort());
    assert.equal(inProcess.skipped.slice(0, bad.size).map((s) => s.file).sort(), [...bad.keys()].sort());
    for (const line of lines.slice(0, bad.size)) {
      const file = [...bad.keys()].find((f) => line.startsWith(`${f}: `));
      assert.ok(file, line);
      assert.match(line, bad.get(file!)!);
      assert.not.match(line, /\n/);
    }
    // Masks travel with their images: real ISIC samples have one, the BMP has none.
    for (const b of a0) b.samples.forEach((s, k) => assert.is(b.hasMask[k], s.mask !== undefined));
    // Shuffled order: seeded by epoch, the same in both loaders.
    assert.equal(inProcess.order(2), pooled.order(2));
    assert.is.not(inProcess.order(2).join(), inProcess.order(0).join());
    assert.equal([...inProcess.order(2)].sort((x, y) => x - y), samples.map((_, i) => i));
  } finally {
    await inProcess.close();
    await pooled.close();
  }
});

test('without augmentation a batch holds exactly readRgb -> resizeRgb -> toTensor (and the mask likewise)', async () => {
  const loader = new DataLoader(real.slice(0, 3), { size: 29, batchSize: 3, workers: 1 });
  try {
    const [batch] = await collect(loader, 0);
    assert.equal(batch.images.shape, [3, 3, 29, 29]);
    assert.equal(batch.masks!.shape, [3, 1, 29, 29]);
    for (let k = 0; k < 3; k++) {
      const img = await readRgb(real[k].image);
      const want = toTensor(resizeRgb(img, 29, 29)).data;
      const got = batch.images.data.subarray(k * want.length, (k + 1) * want.length);
      assert.ok(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer)), `image ${k}`);
      const mask = maskToTensor(resizeMask(await readMask(real[k].mask!, img), 29, 29)).data;
      assert.equal([...batch.masks!.data.subarray(k * 841, (k + 1) * 841)], [...mask], `mask ${k}`);
      assert.ok(mask.some((v) => v === 1) && mask.some((v) => v === 0));
    }
  } finally {
    await loader.close();
  }
});

test('batches: sizes, dropLast, masks null when no sample has one', async () => {
  const files: Sample[] = [];
  for (let i = 0; i < 5; i++) files.push(sample(`s${i}`, await writeRgb(join(dir, `plain${i}.png`), randomRgb(rng, 15, 11))));
  const sizes = async (opts: Partial<LoaderOptions>) => {
    const loader = new DataLoader(files, { size: 8, batchSize: 2, workers: 0, ...opts });
    const batches = await collect(loader, 0);
    assert.ok(batches.every((b) => b.masks === null && b.hasMask.every((h) => !h)));
    return batches.map((b) => b.images.shape[0]);
  };
  assert.equal(await sizes({}), [2, 2, 1]);
  assert.equal(await sizes({ dropLast: true }), [2, 2]);
  assert.throws(() => new DataLoader(files, { size: 8, batchSize: 0 }), /batchSize must be a positive integer/);
});

/** Every sample through prepareSample, optionally cached. */
async function prepareAll(samples: Sample[], opts: LoaderOptions, cache?: PreprocessCache): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < samples.length; i++) {
    const p = await prepareSample(samples[i], opts, { index: i, epoch: 0 }, cache);
    out.push(p.image.data, ...(p.mask ? [p.mask.data] : []));
  }
  return out;
}

const same = (a: Float32Array[], b: Float32Array[]) => a.length === b.length && a.every((x, i) => Buffer.from(x.buffer).equals(Buffer.from(b[i].buffer)));

test('cache: identical tensors, hits on the second pass, misses when file content or parameters change', async () => {
  const cacheDir = join(dir, 'cache');
  const own = await writeRgb(join(dir, 'editable.png'), randomRgb(rng, 47, 35));
  const samples = [...real.slice(0, 3), sample('editable', own)];
  const opts: LoaderOptions = { size: 31, batchSize: 2 };
  const fresh = await prepareAll(samples, opts);

  const cache = new PreprocessCache(cacheDir);
  assert.ok(same(await prepareAll(samples, opts, cache), fresh));
  assert.equal([cache.hits, cache.misses], [0, 4]);
  assert.ok(same(await prepareAll(samples, opts, cache), fresh));
  assert.equal([cache.hits, cache.misses], [4, 4]);

  // New content at the same path: that one entry misses and the new pixels come out.
  await writeRgb(own, randomRgb(rng, 47, 35));
  const edited = await prepareAll(samples, opts, cache);
  assert.equal([cache.hits, cache.misses], [7, 5]);
  assert.ok(same(edited, await prepareAll(samples, opts)));
  assert.not.ok(same(edited, fresh));

  // Other parameters: every entry misses.
  await prepareAll(samples, { ...opts, size: 30 }, cache);
  assert.equal([cache.hits, cache.misses], [7, 9]);
  // The mask is part of the key: switching masks off is another entry too.
  await prepareAll(samples, { ...opts, masks: false }, cache);
  assert.equal(cache.misses, 12);

  // A damaged entry is a miss, then rewritten.
  const entries = readdirSync(cacheDir, { recursive: true }).map(String).filter((f) => f.endsWith('.bin'));
  assert.is(entries.length, 4 + 1 + 4 + 3);
  for (const e of entries) truncateSync(join(cacheDir, e), 30);
  const before = cache.misses;
  assert.ok(same(await prepareAll(samples, opts, cache), edited));
  assert.is(cache.misses, before + 4);
  assert.ok(same(await prepareAll(samples, opts, cache), edited));
  assert.is(cache.misses, before + 4);
  assert.ok(readdirSync(cacheDir, { recursive: true }).every((f) => !String(f).endsWith('.tmp')), 'no temp files left');
});

test('cache with augmentation (base stage cached) and workers sharing it: same tensors as uncached', async () => {
  const cacheDir = join(dir, 'cache-aug');
  const opts: LoaderOptions = { size: 27, batchSize: 3, augment: {}, seed: 11, baseShortSide: 120 };
  const plain = new DataLoader(real.slice(0, 6), { ...opts, workers: 0 });
  const cachedPool = new DataLoader(real.slice(0, 6), { ...opts, workers: 2, cacheDir });
  try {
    const want = await collect(plain, 3);
    sameBatches(await collect(cachedPool, 3), want, 'cold cache');
    sameBatches(await collect(cachedPool, 3), want, 'warm cache');
  } finally {
    await plain.close();
    await cachedPool.close();
  }
  // The cached base stage is the 120-pixel short side image, not the full 800x500 decode.
  const cache = new PreprocessCache(cacheDir);
  const imageBytes = readFileSync(real[0].image);
  const maskBytes = readFileSync(real[0].mask!);
  const key = PreprocessCache.key([imageBytes, maskBytes, JSON.stringify({ v: 1, stage: 'base', shortSide: 120 })]);
  const entry = await cache.get(key);
  assert.ok(entry, 'entry present under the documented key');
  assert.equal([entry!.image.width, entry!.image.height, entry!.mask!.width], [192, 120, 192]);
});

test('custom order with repeats, resume from a batch without decoding earlier ones, same with workers', async () => {
  const files = [...real.slice(0, 4), sample('bad', join(dir, 'missing.jpg'))];
  const order = (epoch: number) => (epoch === 0 ? [4, 0, 1, 1, 2, 3, 1] : [3, 2]);
  const opts: LoaderOptions = { size: 17, batchSize: 2, augment: {}, seed: 5, order };
  const whole = new DataLoader(files, { ...opts, workers: 0 });
  const resumed = new DataLoader(files, { ...opts, workers: 2 });
  try {
    assert.equal(whole.order(0), order(0));
    const all = await collect(whole, 0);
    assert.equal(all.map((b) => b.indices), [[0], [1, 1], [2, 3], [1]]);
    assert.is(whole.skipped.length, 1, 'the bad sample at position 0 is reported');
    // Repeats of one index get their own augmentation.
    const [r1, r2] = [all[1].images.data.subarray(0, 3 * 17 * 17), all[1].images.data.subarray(3 * 17 * 17)];
    assert.ok(!Buffer.from(r1.buffer, r1.byteOffset, r1.byteLength).equals(Buffer.from(r2.buffer, r2.byteOffset, r2.byteLength)), 'repeats differ');
    const tail: Batch[] = [];
    for await (const b of resumed.epoch(0, 2)) tail.push(b);
    sameBatches(tail, all.slice(2), 'resume at batch 2');
    assert.is(resumed.skipped.length, 0, 'batch 0 (with the bad file) was never decoded');
    assert.throws(() => new DataLoader(files, { ...opts, workers: 0, order: () => [0, 5] }).order(0), /order\(0\) holds 5/);
  } finally {
    await whole.close();
    await resumed.close();
  }
});

test('shades of gray: matches a float64 reference on a real image; equal channel p-means after; loader applies it', async () => {
  const img = await readRgb(real[0].image);
  const p = 6;
  const got = shadesOfGray(img, p);
  const n = img.width * img.height;
  const pmean = (d: Uint8Array, c: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (d[i * 3 + c] / 255) ** p;
    return (s / n) ** (1 / p);
  };
  const e = [0, 1, 2].map((c) => pmean(img.data, c));
  const len = Math.sqrt(e[0] ** 2 + e[1] ** 2 + e[2] ** 2);
  let worst = 0;
  for (let i = 0; i < n * 3; i++) {
    const want = Math.min(255, Math.max(0, Math.round((img.data[i] * len) / (e[i % 3] * Math.sqrt(3)))));
    worst = Math.max(worst, Math.abs(got.data[i] - want));
  }
  assert.ok(worst <= 1, `max difference ${worst}`);
  assert.ok(Math.abs(e[0] - e[2]) > 0.05, 'the test image has a colour cast to remove');
  const after = [0, 1, 2].map((c) => pmean(got.data, c));
  assert.ok(Math.max(...after) - Math.min(...after) < 0.02, `p-means after: ${after}`);
  const loader = new DataLoader(real.slice(0, 1), { size: 23, batchSize: 1, workers: 0, colorConstancy: 'shades_of_gray' });
  try {
    const [b] = await collect(loader, 0);
    const want = toTensor(shadesOfGray(resizeRgb(img, 23, 23)), undefined);
    assert.ok(Buffer.from(b.images.data.buffer).equals(Buffer.from(want.data.buffer)), 'loader = resize -> shadesOfGray -> toTensor');
  } finally {
    await loader.close();
  }
});

test.run();
