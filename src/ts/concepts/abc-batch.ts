// Measures many lesions concurrently: decoding (sharp) and measurement (the addon, on the libuv
// thread pool) of several images overlap so all cores work while the event loop stays free.
import { availableParallelism } from 'node:os';
import type { Sample } from '../data/spec.js';
import { type AbcMeasurement, measureAbcFiles } from './abc.js';

export type AbcBatchResult = { sample: Sample; ok: true; features: AbcMeasurement } | { sample: Sample; ok: false; error: string };

export interface AbcBatchOptions {
  /** Images in flight at once (default: the number of cores). */
  concurrency?: number;
  /** Called as each sample finishes, in completion order. */
  onResult?: (r: AbcBatchResult) => void;
}

/** Measures every sample; failures (no mask, unreadable files, empty masks) are reported, not thrown. Results keep the input order. */
export async function measureAbcSamples(samples: Sample[], opts: AbcBatchOptions = {}): Promise<AbcBatchResult[]> {
  const results = new Array<AbcBatchResult>(samples.length);
  const concurrency = Math.max(1, Math.min(opts.concurrency ?? availableParallelism(), samples.length));
  let next = 0;
  const worker = async () => {
    while (next < samples.length) {
      const i = next++;
      const sample = samples[i];
      let r: AbcBatchResult;
      if (!sample.mask) {
        r = { sample, ok: false, error: `${sample.image}: no lesion mask for this image` };
      } else {
        try {
          r = { sample, ok: true, features: await measureAbcFiles(sample.image, sample.mask) };
        } catch (e) {
          r = { sample, ok: false, error: (e as Error).message.split('\n')[0] };
        }
      }
      results[i] = r;
      opts.onResult?.(r);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}
