// The training loop shared by the image models: seeded, class-balanced epochs, AdamW with warmup +
// cosine, gradient clipping, a progress bar (plain lines off a TTY), a JSONL log of every epoch,
// atomic checkpoints every N steps and at the best validation score, and `resume` that continues
// as if never stopped (parameters, optimiser moments, schedule, sampler position, dropout masks).
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { withGraph } from '../autograd/graph.js';
import type { Tensor } from '../autograd/tensor.js';
import type { Batch, DataLoader } from '../data/prefetch.js';
import { CefmError } from '../errors.js';
import { Dropout, BatchNorm } from '../nn/layers.js';
import type { Module } from '../nn/module.js';
import { AdamW, clipGradNorm, warmupCosine } from '../nn/optim.js';
import { Progress } from '../cli/progress.js';
import { loadTrainingState, saveTrainingState, type TrainerState } from './checkpoint.js';

export interface StepResult {
  loss: Tensor;
  /** Named parts of the loss to log (one-element tensors). */
  parts?: Record<string, Tensor | null>;
}

export interface TrainTask {
  model: Module;
  /** The loss of one batch, built inside a recording graph. */
  step(batch: Batch): StepResult;
  /** Validation metrics; `score` (higher is better) picks the best checkpoint. */
  validate(): Promise<Record<string, number> & { score: number }>;
  /** Write the finished model (and the best one) as a model file. */
  saveModel(path: string): Promise<void>;
}

export interface TrainerOptions {
  out: string;
  epochs: number;
  lr: number;
  weightDecay: number;
  warmupSteps: number;
  clipNorm: number;
  checkpointEvery: number;
  resume: boolean;
  /** Stop after this many steps in total (tests, smoke runs). */
  maxSteps?: number;
  /** Early stopping: epochs without a better validation score (0: never). */
  patience?: number;
  batchSize: number;
  label: string;
  quiet?: boolean;
  /** Parameters to train (default: all that require grad). */
  params?: [string, import('../autograd/tensor.js').Parameter][];
}

export interface TrainSummary {
  steps: number;
  epochs: number;
  seconds: number;
  imagesPerSecond: number;
  best: { epoch: number; score: number; metrics: Record<string, number> } | null;
  skipped: number;
}

function setDropoutStep(model: Module, step: number): void {
  for (const m of model.modules()) if (m instanceof Dropout) m.reseed(step);
}

export async function train(task: TrainTask, loader: DataLoader, o: TrainerOptions): Promise<TrainSummary> {
  mkdirSync(o.out, { recursive: true });
  const model = task.model;
  const params = o.params ?? model.namedParameters().filter(([, p]) => p.requiresGrad);
  const opt = new AdamW(params, { lr: o.lr, weightDecay: o.weightDecay });
  const stepsPerEpoch = Math.ceil(loader.order(0).length / o.batchSize);
  const totalSteps = Math.min(o.maxSteps ?? Infinity, stepsPerEpoch * o.epochs);
  const lastPath = join(o.out, 'last.safetensors');
  const logPath = join(o.out, 'log.jsonl');
  const log = (line: string) => o.quiet || process.stderr.write(`${line}\n`);

  let state: TrainerState = { epoch: 0, batch: 0, step: 0, best: null, sinceBest: 0, batchesTracked: 0 };
  if (o.resume && existsSync(lastPath)) {
    state = await loadTrainingState(lastPath, model, opt);
    for (const m of model.modules()) if (m instanceof BatchNorm) m.batchesTracked = state.batchesTracked;
    log(`${o.label}: resumed from ${lastPath} at epoch ${state.epoch + 1}, batch ${state.batch}, step ${state.step}`);
  } else if (o.resume) {
    log(`${o.label}: --resume: no checkpoint in ${o.out}, starting fresh`);
  }
  const checkpoint = async () => {
    state.batchesTracked = [...model.modules()].find((m): m is BatchNorm => m instanceof BatchNorm)?.batchesTracked ?? 0;
    await saveTrainingState(lastPath, model, opt, state);
  };

  const started = Date.now();
  let images = 0;
  const progress = new Progress({ label: o.label, total: totalSteps, silent: o.quiet });
  progress.tick(state.step);
  for (; state.epoch < o.epochs && state.step < totalSteps; state.epoch++, state.batch = 0) {
    model.train();
    const sums: Record<string, number> = {};
    let count = 0;
    for await (const batch of loader.epoch(state.epoch, state.batch)) {
      opt.lr = warmupCosine(state.step, { peak: o.lr, warmup: o.warmupSteps, total: totalSteps, floor: o.lr * 0.01 });
      setDropoutStep(model, state.step);
      const values = await withGraph(async (g) => {
        const r = task.step(batch);
        g.backward(r.loss);
        const norm = await clipGradNorm(params.map(([, p]) => p), o.clipNorm);
        const parts = Object.entries(r.parts ?? {}).filter((e): e is [string, Tensor] => !!e[1]);
        const vals = await Promise.all([r.loss, ...parts.map(([, t]) => t)].map((t) => t.item()));
        const loss = vals[0];
        if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
          const last = existsSync(lastPath) ? `last good checkpoint: ${lastPath}` : 'no checkpoint written yet';
          throw new CefmError(`${o.label}: the loss became ${loss} (gradient norm ${norm}) at step ${state.step + 1} (epoch ${state.epoch + 1}); stopped; ${last}`);
        }
        opt.update();
        opt.zeroGrad();
        return { loss, grad_norm: norm, ...Object.fromEntries(parts.map(([k], i) => [k, vals[i + 1]])) };
      });
      for (const [k, v] of Object.entries(values)) sums[k] = (sums[k] ?? 0) + v;
      count += 1;
      images += batch.images.shape[0];
      state.step += 1;
      state.batch += 1;
      progress.tick(1, false, `epoch ${state.epoch + 1}/${o.epochs} loss ${(sums.loss / count).toFixed(4)} ${(images / ((Date.now() - started) / 1000)).toFixed(1)} img/s`);
      if (o.checkpointEvery > 0 && state.step % o.checkpointEvery === 0) await checkpoint();
      if (state.step >= totalSteps) break;
    }
    // --max-steps may end an epoch early: it still gets validated and logged.
    const partial = state.step >= totalSteps && state.batch < stepsPerEpoch;
    const metrics = await task.validate();
    const train = Object.fromEntries(Object.entries(sums).map(([k, v]) => [`train_${k}`, v / Math.max(1, count)]));
    const improved = !state.best || metrics.score > state.best.score;
    if (improved) {
      state.best = { epoch: state.epoch + 1, score: metrics.score, metrics };
      state.sinceBest = 0;
      await task.saveModel(join(o.out, 'best.safetensors'));
    } else {
      state.sinceBest += 1;
    }
    const record = { epoch: state.epoch + 1, step: state.step, lr: opt.lr, seconds: (Date.now() - started) / 1000, skipped: loader.skipped.length, ...train, ...prefix('val_', metrics), best: improved, ...(partial ? { partial: true } : {}) };
    appendFileSync(logPath, `${JSON.stringify(record)}\n`);
    progress.log(`${o.label} epoch ${state.epoch + 1}: ${Object.entries({ ...train, ...prefix('val_', metrics) }).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}${improved ? ' (best)' : ''}`);
    if (partial) {
      // Stopped by --max-steps: the checkpoint points at the next batch of this epoch.
      await checkpoint();
      break;
    }
    // The checkpoint points at the next epoch's first batch.
    state.epoch += 1;
    state.batch = 0;
    await checkpoint();
    state.epoch -= 1; // the loop header moves on
    if (o.patience && state.sinceBest >= o.patience) {
      progress.log(`${o.label}: early stop after ${o.patience} epochs without improvement`);
      state.epoch += 1;
      break;
    }
  }
  progress.finish();
  const seconds = (Date.now() - started) / 1000;
  await task.saveModel(join(o.out, 'model.safetensors'));
  opt.dispose();
  return { steps: state.step, epochs: state.epoch, seconds, imagesPerSecond: images / seconds, best: state.best, skipped: loader.skipped.length };
}

function prefix(p: string, m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [p + k, v]));
}


