// Whole-model benchmark: images/s of inference (eval mode, noGrad, logits downloaded) and of one
// full training step (forward, loss, backward, AdamW update, device synced) for the ViT presets,
// CEFM (the cct-small backbone unless a preset is given) and the multi-task network. The same
// timing is done for PyTorch and onnxruntime-node by bench/peers/, and bench/model-ratio.ts puts
// them side by side in one run.
//
// A timed call starts from host images (Float32Array, random non-zero, fixed seed) and ends when
// the result is on the host (inference) or the device is idle (training), so uploads and downloads
// count, as they do for a user. The median of `repeats` calls after `warmup` untimed ones.
import { loadAddon } from '../addon.js';
import * as F from '../autograd/functional.js';
import { noGrad, withGraph } from '../autograd/graph.js';
import type { Tensor } from '../autograd/tensor.js';
import type { Backend } from '../backend/backend.js';
import { Rng } from '../data/rng.js';
import { CefmError } from '../errors.js';
import { Cefm, cefmConfig } from '../models/cefm.js';
import { MultitaskNet, multitaskConfig, multitaskLoss } from '../models/multitask.js';
import { VisionTransformer, vitConfig, vitPresets } from '../models/vit.js';
import type { Module } from '../nn/module.js';
import { moduleContext } from '../nn/module.js';
import { AdamW } from '../nn/optim.js';
import type { HostTensor } from '../tensor.js';
import { median } from './kernels.js';

export const MODEL_ARCHS = ['vit-tiny', 'vit-small', 'vit-b16', 'cefm', 'multitask'] as const;
export type ModelArch = (typeof MODEL_ARCHS)[number];

export interface ModelBenchOptions {
  arch: ModelArch;
  /** cefm: the ViT backbone preset (default cct-small); multitask: its preset (default unet-small). */
  preset?: string;
  batch: number;
  /** Default: the preset's image size. */
  imageSize?: number;
  train: boolean;
  repeats: number;
  warmup: number;
  /** Called after each timed call (progress). */
  onRun?: (what: 'inference' | 'train', ms: number) => void;
}

export interface ModelBenchResult {
  arch: ModelArch;
  preset: string;
  batch: number;
  image_size: number;
  backend: string;
  device: string;
  /** CPU threads of the native backend (CEFM_THREADS); null on WebGPU. */
  threads: number | null;
  parameters: number;
  repeats: number;
  warmup: number;
  inference_ms: number;
  inference_images_per_s: number;
  train_ms?: number;
  train_images_per_s?: number;
  /** process.resourceUsage().maxRSS, whole process, after all runs. */
  peak_rss_mb: number;
  /** Memory held by live tensors after the runs (parameters, and optimiser state with --train), where the backend tells. */
  device_memory_mb?: number;
  /** Live tensors at the end of a pass, before its graph frees them (every intermediate is still held then). */
  inference_live_mb?: number;
  train_live_mb?: number;
}

/** One model with host inputs of one batch, ready to run either pass. */
interface Subject {
  module: Module;
  preset: string;
  imageSize: number;
  /** Forward on fresh device inputs; returns the tensors a user would read back. */
  infer(): Tensor[];
  /** Forward to the scalar training loss. */
  loss(): Tensor;
}

/** Uniform in ±[0.05, 1): random, never zero. */
function randomNonZero(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng.chance(0.5) ? 1 : -1) * rng.uniform(0.05, 1);
  return out;
}

const binary = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => (rng.chance(0.5) ? 1 : 0));

function subject(be: Backend, o: ModelBenchOptions): Subject {
  const ctx = moduleContext(be, 1);
  const rng = new Rng(7);
  const B = o.batch;
  const host = (shape: number[], data: Float32Array): HostTensor => ({ shape, data });
  const c = (t: HostTensor) => F.constant(be, t);
  const imagesOf = (s: number) => host([B, 3, s, s], randomNonZero(rng, B * 3 * s * s));
  const classes = host([B], Float32Array.from({ length: B }, (_, i) => i % 2));

  if (o.arch.startsWith('vit-')) {
    if (o.preset) throw new CefmError(`--preset applies to --arch cefm and multitask (the ViT arch is its preset)`);
    const cfg = vitConfig(o.arch, o.imageSize ? { image_size: o.imageSize } : {});
    const net = new VisionTransformer(ctx, cfg);
    const images = imagesOf(cfg.image_size);
    return {
      module: net, preset: o.arch, imageSize: cfg.image_size,
      infer: () => [net.forward(c(images))],
      loss: () => F.crossEntropy(net.forward(c(images)), c(classes)),
    };
  }
  if (o.arch === 'cefm') {
    const preset = o.preset ?? 'cct-small';
    if (!vitPresets[preset]) throw new CefmError(`--preset: unknown ViT backbone '${preset}' (known: ${Object.keys(vitPresets).join(', ')})`);
    const cfg = cefmConfig(vitConfig(preset, o.imageSize ? { image_size: o.imageSize } : {}));
    const net = new Cefm(ctx, cfg);
    const images = imagesOf(cfg.backbone.image_size);
    const clinical = host([B, cfg.clinical_features.length], randomNonZero(rng, B * cfg.clinical_features.length));
    return {
      module: net, preset, imageSize: cfg.backbone.image_size,
      infer: () => {
        const out = net.forward(c(images), c(clinical));
        return [out.logits, out.clinicalLogits];
      },
      // All three objectives at once (the recipe trains them in stages; one step of each costs less).
      loss: () => {
        const out = net.forward(c(images), c(clinical));
        return F.add(net.contrastiveLoss(out), F.add(F.crossEntropy(out.logits, c(classes)), F.crossEntropy(out.clinicalLogits, c(classes))));
      },
    };
  }
  if (o.arch === 'multitask') {
    const preset = o.preset ?? 'unet-small';
    const cfg = multitaskConfig(preset, o.imageSize ? { image_size: o.imageSize } : {});
    const net = new MultitaskNet(ctx, cfg);
    const s = cfg.image_size;
    const images = imagesOf(s);
    const heads = cfg.heads.length;
    const masks = host([B, 1, s, s], binary(rng, B * s * s));
    const labels = host([B, heads], binary(rng, B * heads));
    const weights = host([B, heads], new Float32Array(B * heads).fill(1));
    return {
      module: net, preset, imageSize: s,
      infer: () => {
        const out = net.forward(c(images));
        return [out.maskLogits, out.logits];
      },
      loss: () => multitaskLoss(net.forward(c(images)), { masks: c(masks), labels: c(labels), weights: c(weights) }).loss,
    };
  }
  throw new CefmError(`unknown --arch '${o.arch}' (known: ${MODEL_ARCHS.join(', ')})`);
}

async function timed(n: number, warmup: number, run: () => Promise<void>, onRun?: (ms: number) => void): Promise<number> {
  for (let i = 0; i < warmup; i++) await run();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
    onRun?.(ms[i]);
  }
  return median(ms);
}

export async function benchModel(be: Backend, o: ModelBenchOptions): Promise<ModelBenchResult> {
  const threads = be.kind === 'native' ? loadAddon().info().threads : null;
  if (!Number.isInteger(o.batch) || o.batch < 1) throw new CefmError(`batch must be a positive integer, got ${o.batch}`);
  const s = subject(be, o);
  const net = s.module;
  try {
    net.eval();
    const liveMb = () => { const m = be.memory?.(); return m ? m.bytes / 2 ** 20 : undefined; };
    let inferenceLive: number | undefined, trainLive: number | undefined;
    const inference = async () => {
      await noGrad(async () => {
        for (const t of s.infer()) await t.toHost();
        inferenceLive = liveMb();
      });
    };
    await timed(0, o.warmup, inference);
    await be.settled?.(); // WebGPU autotuning started by the warm-up finishes before timing
    const inferenceMs = await timed(o.repeats, 0, inference, (ms) => o.onRun?.('inference', ms));

    let trainMs: number | undefined;
    if (o.train) {
      net.train();
      const opt = new AdamW(net.namedParameters(), { lr: 1e-4, weightDecay: 0.05 });
      const step = async () => {
        await withGraph(async (g) => {
          g.backward(s.loss());
          opt.update();
          trainLive = liveMb();
          opt.zeroGrad();
        });
        await be.sync();
      };
      try {
        await timed(0, o.warmup, step);
        await be.settled?.();
        trainMs = await timed(o.repeats, 0, step, (ms) => o.onRun?.('train', ms));
      } finally {
        opt.dispose();
      }
    }
    const mem = be.memory?.();
    const perS = (ms: number) => (o.batch * 1000) / ms;
    return {
      arch: o.arch, preset: s.preset, batch: o.batch, image_size: s.imageSize,
      backend: be.kind, device: be.description, threads, parameters: net.numParameters(),
      repeats: o.repeats, warmup: o.warmup,
      inference_ms: inferenceMs, inference_images_per_s: perS(inferenceMs),
      ...(trainMs === undefined ? {} : { train_ms: trainMs, train_images_per_s: perS(trainMs) }),
      peak_rss_mb: process.resourceUsage().maxRSS / 1024,
      ...(mem ? { device_memory_mb: mem.bytes / 2 ** 20 } : {}),
      ...(inferenceLive === undefined ? {} : { inference_live_mb: inferenceLive }),
      ...(trainLive === undefined ? {} : { train_live_mb: trainLive }),
    };
  } finally {
    for (const p of net.stateEntries().map(([, p]) => p)) p.dispose();
  }
}
