import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CefmError } from '../errors.js';
import type { HostTensor } from '../tensor.js';
import { PreprocessCache } from './cache.js';
import type { WorkerInit, WorkerTask } from './prefetch-worker.js';
import { outputSize, type PrepareOutcome, type PreprocessOptions, type SkippedSample, tryPrepareSample } from './preprocess.js';
import { mixSeed, Rng } from './rng.js';
import type { Sample } from './spec.js';

export interface LoaderOptions extends PreprocessOptions {
  batchSize: number;
  /** Decoding threads; 0 decodes on this thread. Default: available cores - 1, at most 4. */
  workers?: number;
  /** Batches prepared ahead of the consumer (default 2). */
  prefetch?: number;
  /** Shuffle the order every epoch (seeded by `seed` and the epoch). */
  shuffle?: boolean;
  /** Replaces the (shuffled) order of an epoch: e.g. class-balanced sampling with replacement (indices may repeat). */
  order?: (epoch: number) => number[];
  /** Drop a last batch smaller than batchSize. */
  dropLast?: boolean;
  /** Folder of the on-disk preprocessing cache; none by default. */
  cacheDir?: string;
  /** Called once per skipped sample (e.g. to print its line). */
  onSkip?: (s: SkippedSample) => void;
}

export interface Batch {
  /** [N, 3, H, W]. */
  images: HostTensor;
  /** [N, 1, H, W] (zeros where hasMask is false), or null when no sample of the batch has a mask. */
  masks: HostTensor | null;
  hasMask: boolean[];
  samples: Sample[];
  /** Index of each sample in the loader's list. */
  indices: number[];
}

/** Something that turns (index, epoch) into tensors: this thread or a pool of workers. */
interface Preparer {
  prepare(index: number, epoch: number, repeat: number): Promise<PrepareOutcome>;
  close(): Promise<void>;
}

/**
 * Batches of preprocessed samples, decoded ahead of the consumer (in worker threads by default) so the
 * backend does not wait for JPEG decoding. Bad files are skipped, reported through `onSkip` and
 * `skipped`, and the batch goes on with the remaining samples. Results are identical whatever the
 * number of workers: every random choice is seeded by (seed, epoch, index).
 */
export class DataLoader {
  readonly skipped: SkippedSample[] = [];
  private preparer: Preparer;
  private readonly opts: LoaderOptions;

  constructor(readonly samples: Sample[], opts: LoaderOptions) {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new CefmError(`loader: batchSize must be a positive integer, got ${opts.batchSize}`);
    outputSize(opts); // validate early
    this.opts = opts;
    const workers = opts.workers ?? Math.min(4, Math.max(1, availableParallelism() - 1));
    this.preparer = workers > 0 ? new WorkerPool(samples, opts, workers) : new InProcess(samples, opts);
  }

  /** Sample indices in the order of this epoch (the custom `order` when given, checked). */
  order(epoch: number): number[] {
    if (this.opts.order) {
      const order = this.opts.order(epoch);
      const bad = order.find((i) => !Number.isInteger(i) || i < 0 || i >= this.samples.length);
      if (bad !== undefined) throw new CefmError(`loader: order(${epoch}) holds ${bad}, not a sample index in [0, ${this.samples.length})`);
      return order;
    }
    const order = this.samples.map((_, i) => i);
    return this.opts.shuffle ? new Rng(mixSeed(this.opts.seed ?? 0, epoch, 0x5eed)).shuffle(order) : order;
  }

  /** The batches of one epoch from batch `startBatch` on (earlier ones are not decoded: exact resume). */
  async *epoch(epoch = 0, startBatch = 0): AsyncGenerator<Batch> {
    const order = this.order(epoch);
    const { batchSize } = this.opts;
    const ahead = batchSize * Math.max(1, this.opts.prefetch ?? 2);
    const pending: Promise<PrepareOutcome>[] = [];
    const repeats = repeatCounts(order);
    const requestUpTo = (end: number) => {
      for (let p = pending.length; p < Math.min(end, order.length); p++) pending.push(this.preparer.prepare(order[p], epoch, repeats[p]));
    };
    const batches = this.opts.dropLast ? Math.floor(order.length / batchSize) : Math.ceil(order.length / batchSize);
    pending.length = Math.min(order.length, startBatch * batchSize); // sparse: skipped samples are never requested
    for (let b = startBatch; b < batches; b++) {
      const start = b * batchSize;
      const end = Math.min(start + batchSize, order.length);
      requestUpTo(end + ahead);
      const outcomes = await Promise.all(pending.slice(start, end));
      const good: { index: number; image: HostTensor; mask?: HostTensor }[] = [];
      outcomes.forEach((o, k) => {
        if (o.ok) good.push({ index: order[start + k], ...o.sample });
        else {
          this.skipped.push(o.skipped);
          this.opts.onSkip?.(o.skipped);
        }
      });
      for (let p = start; p < end; p++) delete pending[p]; // let finished tensors be collected
      if (good.length) yield this.assemble(good);
    }
  }

  private assemble(items: { index: number; image: HostTensor; mask?: HostTensor }[]): Batch {
    const [c, h, w] = items[0].image.shape;
    const images = new Float32Array(items.length * c * h * w);
    items.forEach((it, n) => images.set(it.image.data, n * c * h * w));
    const hasMask = items.map((it) => it.mask !== undefined);
    let masks: HostTensor | null = null;
    if (hasMask.some(Boolean)) {
      const data = new Float32Array(items.length * h * w);
      items.forEach((it, n) => it.mask && data.set(it.mask.data, n * h * w));
      masks = { shape: [items.length, 1, h, w], data };
    }
    return {
      images: { shape: [items.length, c, h, w], data: images },
      masks,
      hasMask,
      samples: items.map((it) => this.samples[it.index]),
      indices: items.map((it) => it.index),
    };
  }

  async close(): Promise<void> {
    await this.preparer.close();
  }
}

/** For each position, how often its index occurred before it: repeats of a sample get their own augmentation. */
function repeatCounts(order: number[]): number[] {
  const seen = new Map<number, number>();
  return order.map((i) => {
    const k = seen.get(i) ?? 0;
    seen.set(i, k + 1);
    return k;
  });
}

class InProcess implements Preparer {
  private cache?: PreprocessCache;

  constructor(private samples: Sample[], private opts: PreprocessOptions & { cacheDir?: string }) {
    if (opts.cacheDir) this.cache = new PreprocessCache(opts.cacheDir);
  }

  prepare(index: number, epoch: number, repeat: number): Promise<PrepareOutcome> {
    return tryPrepareSample(this.samples[index], this.opts, { index, epoch, repeat }, this.cache);
  }

  async close(): Promise<void> {}
}

interface PoolWorker {
  worker: Worker;
  inFlight: Map<number, { index: number; resolve: (o: PrepareOutcome) => void }>;
}

const MAX_FAILURES = 3;

/** Worker threads that each hold the sample list; tasks go to the least busy one. */
class WorkerPool implements Preparer {
  private workers: PoolWorker[] = [];
  private nextId = 0;
  private closed = false;
  /** Worker failures since the last result; past MAX_FAILURES the pool stops respawning. */
  private failures = 0;
  private lastFailure = '';

  constructor(private samples: Sample[], private opts: LoaderOptions, count: number) {
    for (let i = 0; i < count; i++) this.workers.push(this.spawn());
  }

  private spawn(): PoolWorker {
    const { onSkip: _onSkip, order: _order, ...options } = this.opts; // functions cannot cross threads
    const init: WorkerInit = { samples: this.samples, options, cacheDir: this.opts.cacheDir };
    const worker = new Worker(new URL('./prefetch-worker.js', import.meta.url), { workerData: init });
    const entry: PoolWorker = { worker, inFlight: new Map() };
    worker.unref(); // an idle pool never keeps the process alive
    worker.on('message', (msg: { id: number; outcome: PrepareOutcome }) => {
      this.failures = 0;
      const task = entry.inFlight.get(msg.id);
      if (!task) return;
      entry.inFlight.delete(msg.id);
      if (entry.inFlight.size === 0) worker.unref();
      task.resolve(msg.outcome);
    });
    let dead = false;
    const crashed = (problem: string) => {
      // Fail this worker's tasks as skipped samples and start a replacement (once: 'error' precedes 'exit').
      if (dead || this.closed) return;
      dead = true;
      for (const [, task] of entry.inFlight) {
        const sample = this.samples[task.index];
        task.resolve({ ok: false, skipped: { index: task.index, id: sample.id, file: sample.image, problem } });
      }
      entry.inFlight.clear();
      this.failures++;
      this.lastFailure = problem;
      const at = this.workers.indexOf(entry);
      if (at < 0) return;
      // A worker that cannot even start (e.g. sharp fails to load) must not respawn forever.
      if (this.failures < MAX_FAILURES) this.workers[at] = this.spawn();
      else this.workers.splice(at, 1);
    };
    worker.on('error', (e) => crashed(`decoding worker failed: ${String(e?.message ?? e).split('\n')[0]}`));
    worker.on('exit', (code) => crashed(`decoding worker exited with code ${code}`));
    return entry;
  }

  prepare(index: number, epoch: number, repeat: number): Promise<PrepareOutcome> {
    if (this.closed) throw new CefmError('loader: used after close()');
    if (this.workers.length === 0) throw new CefmError(`loader: decoding workers keep failing (${this.lastFailure})`);
    const entry = this.workers.reduce((a, b) => (b.inFlight.size < a.inFlight.size ? b : a));
    const id = this.nextId++;
    return new Promise((resolve) => {
      entry.inFlight.set(id, { index, resolve });
      entry.worker.ref();
      const task: WorkerTask = { id, index, epoch, repeat };
      entry.worker.postMessage(task);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    this.workers = [];
  }
}
