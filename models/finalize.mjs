#!/usr/bin/env node
// Turns a training run's output into a shipped model file: the model-file format marker, and for
// CEFM the report's reference data (a sample of each ABC feature over training lesions, and the mean
// cosine of matched image–clinical pairs) when the run did not store it.
// Usage: node models/finalize.mjs <trained.safetensors> <out.safetensors> [train data spec...]
import { readSafetensorsF32, writeSafetensors } from '../dist/src/ts/io/safetensors.js';
import { openBackend } from '../dist/src/ts/index.js';
import { openPipeline, closePipeline, runBatch } from '../dist/src/ts/predict/pipeline.js';
import { openSplits } from '../dist/src/ts/train/splits.js';
import { readRgb, readMask } from '../dist/src/ts/data/image.js';
import { featureValue } from '../dist/src/ts/models/clinical.js';

const [src, out, ...specs] = process.argv.slice(2);
const { metadata, tensors } = readSafetensorsF32(src);
metadata['cefm.format'] = '1';
const config = JSON.parse(metadata['cefm.config']);
const extra = JSON.parse(metadata['cefm.extra'] ?? '{}');
writeSafetensors(out, tensors, metadata);
if (config.arch === 'cefm' && !extra.clinical_distribution && specs.length) {
  const be = await openBackend('native');
  const p = openPipeline(be, [out]);
  const { samples } = await openSplits(specs);
  const pick = samples.filter((s) => s.mask).filter((_, i) => i % Math.max(1, Math.floor(samples.length / 300)) === 0).slice(0, 300);
  const features = extra.clinical.features;
  const dist = Object.fromEntries(features.map((f) => [f, []]));
  let cos = 0, n = 0;
  for (let i = 0; i < pick.length; i += 16) {
    const items = await Promise.all(pick.slice(i, i + 16).map(async (s) => {
      const image = await readRgb(s.image);
      return { file: s.image, image, mask: await readMask(s.mask, { width: image.width, height: image.height }) };
    }));
    for (const r of await runBatch(p, items)) {
      if (!r.abc || !r.cefm) continue;
      features.forEach((f) => dist[f].push(featureValue(r.abc, f)));
      cos += r.cefm.imageEmbedding.reduce((a, v, k) => a + v * r.cefm.clinicalEmbedding[k], 0);
      n++;
    }
  }
  closePipeline(p);
  extra.clinical_distribution = dist;
  extra.alignment_matched_mean = cos / n;
  metadata['cefm.extra'] = JSON.stringify(extra);
  writeSafetensors(out, tensors, metadata);
  console.log(`finalize: reference data from ${n} training lesions`);
}
console.log(`finalize: wrote ${out}`);
