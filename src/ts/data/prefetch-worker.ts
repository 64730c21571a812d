// A prefetch worker: prepares samples by index, posting tensors back with their buffers transferred.
import { parentPort, workerData } from 'node:worker_threads';
import { PreprocessCache } from './cache.js';
import { tryPrepareSample, type PreprocessOptions } from './preprocess.js';
import type { Sample } from './spec.js';

export interface WorkerInit {
  samples: Sample[];
  options: PreprocessOptions;
  cacheDir?: string;
}

export interface WorkerTask {
  id: number;
  index: number;
  epoch: number;
  /** How many times this index already came earlier in the epoch's order (0: first). */
  repeat?: number;
}

const init = workerData as WorkerInit;
const cache = init.cacheDir ? new PreprocessCache(init.cacheDir) : undefined;

parentPort!.on('message', async (task: WorkerTask) => {
  const outcome = await tryPrepareSample(init.samples[task.index], init.options, task, cache);
  const transfer = outcome.ok ? [outcome.sample.image.data.buffer, ...(outcome.sample.mask ? [outcome.sample.mask.data.buffer] : [])] : [];
  parentPort!.postMessage({ id: task.id, outcome }, transfer as ArrayBuffer[]);
});
