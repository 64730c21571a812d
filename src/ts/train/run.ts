// What `cefm-native train` does, as a library call: open the data and its splits, build the loaders
// and the task, run the trainer, return a summary.
import { join } from 'node:path';
import type { Backend } from '../backend/backend.js';
import { type AugmentOptions, STRONG_AUGMENT } from '../data/augment.js';
import { IMAGENET_NORMALIZATION } from '../data/image.js';
import { DataLoader, type LoaderOptions } from '../data/prefetch.js';
import { formatSkipped } from '../data/preprocess.js';
import { formatReport, type Sample } from '../data/spec.js';
import { splitSamples } from '../data/split.js';
import { CefmError } from '../errors.js';
import type { Preprocessing } from '../models/file.js';
import { multitaskConfig } from '../models/multitask.js';
import { trainCefm } from './cefm.js';
import { multitaskTask } from './multitask.js';
import { openSplits } from './splits.js';
import { train, type TrainSummary } from './trainer.js';

export interface TrainCliOptions {
  model: 'multitask' | 'cefm';
  data: string[];
  val: string[];
  valSplit: number;
  epochs?: number;
  batch?: number;
  lr?: number;
  imageSize?: number;
  seed: number;
  out: string;
  resume: boolean;
  preset?: string;
  maxSteps?: number;
  workers?: number;
  checkpointEvery?: number;
  multitaskModel?: string;
  /** cefm backbone: a multi-task model whose melanoma probability is a soft target (knowledge distillation). */
  distill?: string;
  /** Weight of the distillation loss (the hard-label loss gets 1 − weight); default 0.5. */
  distillWeight?: number;
  stage: string;
  quiet: boolean;
  augment?: AugmentOptions | null;
}

export interface TrainRunSummary extends TrainSummary {
  model: string;
  train_samples: number;
  val_samples: number;
}

/** The training augmentation: the strong preset unless the caller chose one (or none). */
export function trainingAugment(o: AugmentOptions | null | undefined): AugmentOptions | null {
  return o === undefined ? STRONG_AUGMENT : o;
}

export async function openTrainVal(o: TrainCliOptions, log: (l: string) => void): Promise<{ train: Sample[]; val: Sample[] }> {
  const opened = await openSplits(o.data, { training: true });
  opened.reports.flatMap(formatReport).forEach(log);
  let trainSamples = opened.samples;
  let val: Sample[];
  if (o.val.length) {
    const v = await openSplits(o.val);
    v.reports.flatMap(formatReport).forEach((l) => log(`val: ${l}`));
    val = v.samples;
  } else {
    const parts = splitSamples(trainSamples, { val: o.valSplit, test: 0, seed: o.seed + 17 });
    trainSamples = parts.train;
    val = parts.val;
  }
  if (!trainSamples.length) throw new CefmError(`train: no training samples in ${o.data.join(', ')}`);
  return { train: trainSamples, val };
}

export function loaderOptions(pre: Preprocessing, o: { batch: number; seed: number; workers?: number; train: boolean; augment?: AugmentOptions | null; log?: (l: string) => void }): LoaderOptions {
  return {
    size: pre.image_size,
    normalization: { mean: pre.mean, std: pre.std },
    augment: o.train ? trainingAugment(o.augment) : null,
    batchSize: o.batch,
    shuffle: o.train,
    seed: o.seed,
    workers: o.workers,
    baseShortSide: Math.round(pre.image_size * 1.5),
    ...(pre.color_constancy ? { colorConstancy: pre.color_constancy } : {}),
    onSkip: (s) => o.log?.(`skipped: ${formatSkipped(s)}`),
  } as LoaderOptions;
}

export function defaultPreprocessing(imageSize: number): Preprocessing {
  return {
    image_size: imageSize,
    mean: IMAGENET_NORMALIZATION.mean as [number, number, number],
    std: IMAGENET_NORMALIZATION.std as [number, number, number],
    // Shades of Gray (p = 6) on every image, in training and at inference: another camera's white
    // balance then gives the same colours.
    color_constancy: 'shades_of_gray',
  };
}

export async function trainFromOptions(be: Backend, o: TrainCliOptions): Promise<TrainRunSummary> {
  const log = (l: string) => o.quiet || process.stderr.write(`${l}\n`);
  if (o.model === 'cefm') return trainCefm(be, o, log);
  const config = multitaskConfig(o.preset ?? 'unet-small', o.imageSize ? { image_size: o.imageSize } : {});
  const { train: trainSamples, val } = await openTrainVal(o, log);
  const pre = defaultPreprocessing(config.image_size);
  const batch = o.batch ?? 16;
  const trainLoader = new DataLoader(trainSamples, loaderOptions(pre, { batch, seed: o.seed, workers: o.workers, train: true, augment: o.augment, log }));
  const valLoader = val.length ? new DataLoader(val, loaderOptions(pre, { batch, seed: o.seed, workers: o.workers, train: false, log })) : null;
  log(`multitask: ${trainSamples.length} training, ${val.length} validation samples; ${config.image_size} px, batch ${batch}, backend ${be.description}`);
  const task = multitaskTask({
    be, config, seed: o.seed, train: trainSamples, val: valLoader, preprocessing: pre,
    extra: { training: { data: o.data, val: o.val, seed: o.seed, backend: be.kind } },
  });
  try {
    const summary = await train(task, trainLoader, {
      out: o.out, epochs: o.epochs ?? 10, lr: o.lr ?? 2e-3, weightDecay: 1e-4, warmupSteps: 100, clipNorm: 5,
      checkpointEvery: o.checkpointEvery ?? 200, resume: o.resume, maxSteps: o.maxSteps, batchSize: batch,
      label: 'train multitask', quiet: o.quiet,
    });
    return { ...summary, model: join(o.out, 'model.safetensors'), train_samples: trainSamples.length, val_samples: val.length };
  } finally {
    await trainLoader.close();
    await valLoader?.close();
    task.model.dispose();
  }
}
