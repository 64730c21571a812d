// The basic layers. Parameter names and shapes are PyTorch's, so state dicts map one to one.
import * as F from '../autograd/functional.js';
import { type Parameter, Tensor } from '../autograd/tensor.js';
import { Graph } from '../autograd/graph.js';
import { mixSeed, Rng } from '../data/rng.js';
import { opNames } from '../ops/registry.js';
import { numel } from '../tensor.js';
import { type Init, onesInit, uniformInit, zerosInit } from './init.js';
import { Module, type ModuleContext } from './module.js';

export interface LinearOptions {
  bias?: boolean;
  weightInit?: Init;
  biasInit?: Init;
}

export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  constructor(ctx: ModuleContext, readonly inFeatures: number, readonly outFeatures: number, o: LinearOptions = {}) {
    super(ctx);
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.param('weight', [outFeatures, inFeatures], o.weightInit ?? uniformInit(bound));
    this.bias = o.bias === false ? null : this.param('bias', [outFeatures], o.biasInit ?? uniformInit(bound));
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
}

export interface ConvOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
  weightInit?: Init;
}

export class Conv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  constructor(ctx: ModuleContext, inC: number, outC: number, kernel: number, readonly o: ConvOptions = {}) {
    super(ctx);
    const groups = o.groups ?? 1;
    const bound = 1 / Math.sqrt((inC / groups) * kernel * kernel);
    this.weight = this.param('weight', [outC, inC / groups, kernel, kernel], o.weightInit ?? uniformInit(bound));
    this.bias = o.bias === false ? null : this.param('bias', [outC], uniformInit(bound));
  }
  forward(x: Tensor): Tensor {
    const { stride = 1, padding = 0, dilation = 1, groups = 1 } = this.o;
    return F.conv2d(x, this.weight, this.bias, { stride, padding, dilation, groups });
  }
}

export class ConvTranspose2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  constructor(ctx: ModuleContext, inC: number, outC: number, kernel: number, readonly o: ConvOptions & { outputPadding?: number } = {}) {
    super(ctx);
    // PyTorch computes fan_in of a transposed conv from weight.size(1) * k * k.
    const bound = 1 / Math.sqrt(outC * kernel * kernel);
    this.weight = this.param('weight', [inC, outC, kernel, kernel], uniformInit(bound));
    this.bias = o.bias === false ? null : this.param('bias', [outC], uniformInit(bound));
  }
  forward(x: Tensor): Tensor {
    const { stride = 1, padding = 0, outputPadding = 0 } = this.o;
    return F.convTranspose2d(x, this.weight, this.bias, { stride, padding, output_padding: outputPadding });
  }
}

export class LayerNorm extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  constructor(ctx: ModuleContext, dim: number, readonly eps = 1e-5) {
    super(ctx);
    this.weight = this.param('weight', [dim], onesInit);
    this.bias = this.param('bias', [dim], zerosInit);
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/** BatchNorm1d / BatchNorm2d (the op takes [N, C, ...]); running statistics update in training. */
export class BatchNorm extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  readonly runningMean: Parameter;
  readonly runningVar: Parameter;
  /** Steps taken in training (PyTorch's num_batches_tracked), kept on the host. */
  batchesTracked = 0;
  constructor(ctx: ModuleContext, channels: number, readonly eps = 1e-5, readonly momentum = 0.1) {
    super(ctx);
    this.weight = this.param('weight', [channels], onesInit);
    this.bias = this.param('bias', [channels], zerosInit);
    this.runningMean = this.buffer('running_mean', [channels], 0);
    this.runningVar = this.buffer('running_var', [channels], 1);
  }
  forward(x: Tensor): Tensor {
    const [y, rm, rv] = F.batchNorm(x, this.weight, this.bias, this.runningMean, this.runningVar, {
      training: this.training, momentum: this.momentum, eps: this.eps,
    });
    if (this.training) {
      // The new statistics replace the buffers. The old ones may still be read by the tape's
      // backward call, so the graph frees them at its end.
      const g = Graph.current;
      for (const [buf, next] of [[this.runningMean, rm], [this.runningVar, rv]] as const) {
        const old = buf.value;
        buf.value = g ? g.keep(next).value : next.value;
        if (g) g.own(new Tensor(old)); else old.dispose();
      }
      this.batchesTracked += 1;
    }
    return y;
  }
}

/**
 * Dropout with a seeded mask: the same seed and call count give the same mask on every backend.
 * Identity in eval mode.
 */
export class Dropout extends Module {
  private calls = 0;
  constructor(ctx: ModuleContext, readonly p: number, private readonly seed = ctx.rng.int(2 ** 31)) {
    super(ctx);
  }
  /** Restart the mask sequence (for reproducible runs after a resume). */
  reseed(step: number): void {
    this.calls = step;
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const seed = mixSeed(this.seed, this.calls++);
    if (opNames().includes('dropout')) return F.apply('dropout', [x], { p: this.p, seed: seed & 0x7fffffff })[0];
    const rng = new Rng(seed);
    const keep = 1 / (1 - this.p);
    const mask = new Float32Array(numel(x.shape));
    for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < this.p ? 0 : keep;
    return F.mul(x, F.constant(this.be, { shape: [...x.shape], data: mask }));
  }
}
