// The multi-task lesion network (after Yang et al., ISIC 2017): a U-Net-style encoder-decoder with
// skip connections gives mask logits at the input resolution, and two binary heads (melanoma,
// seborrheic keratosis) read the pooled bottleneck and top decoder features.
// Loss = BCE + Dice on the mask + weighted BCE per head (weights mask out missing labels).
import * as F from '../autograd/functional.js';
import type { Tensor } from '../autograd/tensor.js';
import { CefmError } from '../errors.js';
import { kaimingNormalInit } from '../nn/init.js';
import { BatchNorm, Conv2d, Dropout, Linear } from '../nn/layers.js';
import { Module, type ModuleContext } from '../nn/module.js';

export interface MultitaskConfig {
  arch: 'multitask';
  image_size: number;
  /** Channels of the first level; each level down doubles them. */
  base_channels: number;
  /** Down-sampling steps (the bottleneck is image_size / 2^depth). */
  depth: number;
  dropout: number;
  /** Head names, in logit order. */
  heads: string[];
}

export const multitaskPresets: Record<string, Omit<MultitaskConfig, 'arch' | 'heads'>> = {
  /** Trains in minutes on 2 CPU cores. */
  'unet-small': { image_size: 96, base_channels: 12, depth: 4, dropout: 0.2 },
  /** For GPUs. */
  'unet-large': { image_size: 256, base_channels: 32, depth: 5, dropout: 0.3 },
  'unet-test': { image_size: 16, base_channels: 4, depth: 2, dropout: 0.1 },
};

export const MULTITASK_HEADS = ['melanoma', 'seborrheic_keratosis'];

export function multitaskConfig(preset: string, o: Partial<MultitaskConfig> = {}): MultitaskConfig {
  const base = multitaskPresets[preset];
  if (!base) throw new CefmError(`unknown multi-task preset '${preset}' (known: ${Object.keys(multitaskPresets).join(', ')})`);
  return checkMultitaskConfig({ arch: 'multitask', heads: MULTITASK_HEADS, ...base, ...o });
}

export function checkMultitaskConfig(c: MultitaskConfig): MultitaskConfig {
  if (!Number.isInteger(c.depth) || c.depth < 1) throw new CefmError('multitask config: depth must be a positive integer');
  if (!Number.isInteger(c.base_channels) || c.base_channels < 1) throw new CefmError('multitask config: base_channels must be a positive integer');
  if (!Number.isInteger(c.image_size) || c.image_size % 2 ** c.depth) {
    throw new CefmError(`multitask config: image_size ${c.image_size} must be a multiple of 2^depth = ${2 ** c.depth}`);
  }
  return c;
}

/** (3×3 conv → BN → ReLU) × 2. */
export class DoubleConv extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm;
  constructor(ctx: ModuleContext, inC: number, outC: number) {
    super(ctx);
    this.conv1 = this.module('conv1', new Conv2d(ctx, inC, outC, 3, { padding: 1, bias: false, weightInit: kaimingNormalInit(inC * 9) }));
    this.bn1 = this.module('bn1', new BatchNorm(ctx, outC));
    this.conv2 = this.module('conv2', new Conv2d(ctx, outC, outC, 3, { padding: 1, bias: false, weightInit: kaimingNormalInit(outC * 9) }));
    this.bn2 = this.module('bn2', new BatchNorm(ctx, outC));
  }
  forward(x: Tensor): Tensor {
    return F.relu(this.bn2.forward(this.conv2.forward(F.relu(this.bn1.forward(this.conv1.forward(x))))));
  }
}

export interface MultitaskOutputs {
  /** [B, 1, S, S] mask logits. */
  maskLogits: Tensor;
  /** [B, heads] logits. */
  logits: Tensor;
}

export class MultitaskNet extends Module {
  readonly encoder: DoubleConv[] = [];
  readonly bottleneck: DoubleConv;
  readonly decoder: DoubleConv[] = [];
  readonly mask_head: Conv2d;
  readonly drop: Dropout;
  readonly classifier: Linear;

  constructor(ctx: ModuleContext, readonly config: MultitaskConfig) {
    super(ctx);
    const c = checkMultitaskConfig(config);
    const ch = (level: number) => c.base_channels * 2 ** level;
    for (let i = 0; i < c.depth; i++) this.encoder.push(this.module(`encoder.${i}`, new DoubleConv(ctx, i ? ch(i - 1) : 3, ch(i))));
    this.bottleneck = this.module('bottleneck', new DoubleConv(ctx, ch(c.depth - 1), ch(c.depth)));
    // decoder.i works at level (depth-1-i): upsample, concat the skip, double conv.
    for (let i = 0; i < c.depth; i++) {
      const level = c.depth - 1 - i;
      this.decoder.push(this.module(`decoder.${i}`, new DoubleConv(ctx, ch(level + 1) + ch(level), ch(level))));
    }
    this.mask_head = this.module('mask_head', new Conv2d(ctx, ch(0), 1, 1));
    this.drop = this.module('drop', new Dropout(ctx, c.dropout));
    this.classifier = this.module('classifier', new Linear(ctx, ch(c.depth) + ch(0), c.heads.length));
  }

  forward(images: Tensor): MultitaskOutputs {
    const s = this.config.image_size;
    if (images.rank !== 4 || images.shape[1] !== 3 || images.shape[2] !== s || images.shape[3] !== s) {
      throw new CefmError(`multitask: expects images [N, 3, ${s}, ${s}], got [${images.shape}]`);
    }
    const skips: Tensor[] = [];
    let x = images;
    for (const enc of this.encoder) {
      x = enc.forward(x);
      skips.push(x);
      x = F.maxPool2d(x, 2, 2);
    }
    x = this.bottleneck.forward(x);
    const bottleneck = x;
    this.decoder.forEach((dec, i) => {
      const skip = skips[skips.length - 1 - i];
      const up = F.upsampleBilinear(x, [skip.shape[2], skip.shape[3]]);
      x = dec.forward(F.concat([up, skip], 1));
    });
    const [b] = images.shape;
    const pooled = F.concat([F.reshape(F.adaptiveAvgPool2d(bottleneck, 1), [b, -1]), F.reshape(F.adaptiveAvgPool2d(x, 1), [b, -1])], 1);
    return { maskLogits: this.mask_head.forward(x), logits: this.classifier.forward(this.drop.forward(pooled)) };
  }
}

export interface MultitaskTargets {
  /** [B, 1, S, S] in {0, 1}, or null when no sample of the batch has a mask. */
  masks: Tensor | null;
  /** [B, heads] labels in {0, 1} (anything where the weight is 0). */
  labels: Tensor;
  /** [B, heads] per-label weights: 0 for a missing label, class weights otherwise. */
  weights: Tensor;
}

/** BCE + Dice on the mask plus weighted BCE per head; the parts are returned for logging. */
export function multitaskLoss(o: MultitaskOutputs, t: MultitaskTargets, headWeight = 1): { loss: Tensor; mask: Tensor | null; heads: Tensor } {
  const heads = F.scale(F.bceWithLogits(o.logits, t.labels, t.weights), headWeight);
  if (!t.masks) return { loss: heads, mask: null, heads };
  const mask = F.add(F.bceWithLogits(o.maskLogits, t.masks), F.diceLoss(o.maskLogits, t.masks));
  return { loss: F.add(mask, heads), mask, heads };
}
