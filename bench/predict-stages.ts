// Where the time of `predict`'s default pipeline goes, stage by stage, on real JPEGs: decode,
// model input, multi-task network, mask resize, ABC, CEFM. Each stage runs on its own over the whole
// set (batch B) so that its time is not mixed with the others'.
//   node dist/bench/predict-stages.js <folder of JPEGs> [count] [batch] [--profile]
// --profile: the twelve slowest kernels (by stream time) of each model's forward.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KernelProfileEntry } from '../src/ts/addon.js';
import type { NativeBackend } from '../src/ts/backend/native.js';
import { openBackend } from '../src/ts/backend/open.js';
import { readRgb } from '../src/ts/data/image.js';
import { ABC_CANONICAL_SIDE, measureCanonicalAbc } from '../src/ts/models/clinical.js';
import { batchInput, cefmBatch, clinicalRow, clinicalStatsOf, multitaskBatch, openPipeline } from '../src/ts/predict/pipeline.js';

const args = process.argv.slice(2).filter((a) => a !== '--profile');
const profile = process.argv.includes('--profile');
const [dir, countArg, batchArg] = args;
const count = Number(countArg ?? 96), batch = Number(batchArg ?? 16);
const files = readdirSync(dir).filter((f) => /\.jpe?g$/i.test(f)).sort().slice(0, count).map((f) => join(dir, f));
const be = await openBackend('native') as NativeBackend;
const profiles: Record<string, KernelProfileEntry[]> = {};
const profiled = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
  if (!profile) return f();
  await be.profileKernels(true);
  const r = await f();
  profiles[name] = await be.profileKernels(false);
  return r;
};
const p = openPipeline(be);
const times: Record<string, number> = {};
const time = async <T>(name: string, f: () => Promise<T> | T): Promise<T> => {
  const t = performance.now();
  const r = await f();
  times[name] = (times[name] ?? 0) + performance.now() - t;
  return r;
};
const chunks = (n: number) => Array.from({ length: Math.ceil(files.length / n) }, (_, i) => [i * n, Math.min(files.length, (i + 1) * n)]);
// Warm-up: one batch through every stage.
{
  const imgs = await Promise.all(files.slice(0, batch).map((f) => readRgb(f)));
  const mt = await multitaskBatch(p.multitask!, imgs);
  const abc = await Promise.all(imgs.map((im, i) => measureCanonicalAbc(im, mt.masks[i], undefined, true)));
  await cefmBatch(p.cefm!, imgs, abc.map((a) => clinicalRow(clinicalStatsOf(p.cefm!), a)));
}
await time('decode (sharp, full size; not used below)', () => Promise.all(files.map((f) => readRgb(f))));
const images = await time('decode (sharp, to the working size)', () => Promise.all(files.map((f) => readRgb(f, { maxSide: ABC_CANONICAL_SIDE }))));
for (const [a, b] of chunks(batch)) await time('multitask input', () => batchInput(images.slice(a, b), p.multitask!.preprocessing));
for (const [a, b] of chunks(batch)) await time('cefm input', () => batchInput(images.slice(a, b), p.cefm!.preprocessing));
const masks: import('../src/ts/data/image.js').Mask[] = [];
await profiled('multitask', async () => {
  for (const [a, b] of chunks(batch)) masks.push(...(await time('multitask (input + forward + mask resize)', () => multitaskBatch(p.multitask!, images.slice(a, b)))).masks);
});
const abc: import('../src/ts/concepts/abc.js').AbcMeasurement[] = [];
for (let i = 0; i < images.length; i++) abc.push(await time('abc (canonical, with geometry)', () => measureCanonicalAbc(images[i], masks[i], undefined, true)));
const stats = clinicalStatsOf(p.cefm!);
await profiled('cefm', async () => {
  for (const [a, b] of chunks(batch)) await time('cefm (input + forward)', () => cefmBatch(p.cefm!, images.slice(a, b), abc.slice(a, b).map((m) => clinicalRow(stats, m))));
});
const total = Object.entries(times).filter(([k]) => !k.endsWith('input') && !k.includes('not used')).reduce((s, [, v]) => s + v, 0);
console.log(`${files.length} images from ${dir}, batch ${batch}, native ${be.description}`);
for (const [k, v] of Object.entries(times)) console.log(`${k.padEnd(44)} ${(v / files.length).toFixed(2).padStart(8)} ms/image`);
console.log(`${'total (stages in sequence)'.padEnd(44)} ${(total / files.length).toFixed(2).padStart(8)} ms/image = ${(1000 * files.length / total).toFixed(1)} images/s`);
for (const [model, entries] of Object.entries(profiles)) {
  const all = entries.reduce((t, e) => t + e.ms, 0);
  console.log(`\n${model}: ${(all / files.length).toFixed(2)} ms/image of kernels; slowest:`);
  for (const e of entries.slice(0, 12)) {
    console.log(`  ${e.kernel.padEnd(22)} ${(e.ms / files.length).toFixed(3).padStart(7)} ms/image ${(100 * e.ms / all).toFixed(1).padStart(5)} %  ${e.calls} calls  ${e.shapes}`);
  }
}
