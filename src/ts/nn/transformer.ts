// Transformer pieces for the ViT: multi-head self-attention on the fused attention op, the MLP,
// pre-norm blocks, the patch embedding and CCT's convolutional tokenizer and sequence pooling.
// Names follow timm (qkv packed as one Linear), which src/ts/io maps to torchvision.
import * as F from '../autograd/functional.js';
import type { Tensor } from '../autograd/tensor.js';
import { kaimingNormalInit, truncNormalInit, zerosInit } from './init.js';
import { Conv2d, LayerNorm, Linear } from './layers.js';
import { Module, type ModuleContext } from './module.js';

/** timm's ViT init: trunc_normal(0.02) weights, zero biases. */
const vitLinear = (ctx: ModuleContext, i: number, o: number) => new Linear(ctx, i, o, { weightInit: truncNormalInit(0.02), biasInit: zerosInit });

export class MultiHeadSelfAttention extends Module {
  readonly qkv: Linear;
  readonly proj: Linear;
  constructor(ctx: ModuleContext, readonly dim: number, readonly heads: number) {
    super(ctx);
    this.qkv = this.module('qkv', vitLinear(ctx, dim, 3 * dim));
    this.proj = this.module('proj', vitLinear(ctx, dim, dim));
  }

  /** q, k, v as [B, H, L, Dh]. */
  private split(x: Tensor): [Tensor, Tensor, Tensor] {
    const [b, l] = x.shape;
    const dh = this.dim / this.heads;
    const qkv = F.reshape(this.qkv.forward(x), [b, l, 3, this.heads, dh]);
    const heads = F.permute(qkv, [2, 0, 3, 1, 4]); // [3, B, H, L, Dh]
    const part = (i: number) => F.reshape(F.slice(heads, 0, i, 1), [b, this.heads, l, dh]);
    return [part(0), part(1), part(2)];
  }

  private merge(o: Tensor): Tensor {
    const [b, h, l, dh] = o.shape;
    return this.proj.forward(F.reshape(F.permute(o, [0, 2, 1, 3]), [b, l, h * dh]));
  }

  forward(x: Tensor): Tensor {
    const [q, k, v] = this.split(x);
    return this.merge(F.attention(q, k, v));
  }

  /** The same output computed with explicit probabilities, also returned ([B, H, L, L]), for rollout. */
  forwardWithAttention(x: Tensor): { y: Tensor; probs: Tensor } {
    const [q, k, v] = this.split(x);
    const scores = F.scale(F.matmul(q, F.transpose(k, 2, 3)), 1 / Math.sqrt(this.dim / this.heads));
    const probs = F.softmax(scores);
    return { y: this.merge(F.matmul(probs, v)), probs };
  }
}

export class Mlp extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(ctx: ModuleContext, dim: number, hidden: number) {
    super(ctx);
    this.fc1 = this.module('fc1', vitLinear(ctx, dim, hidden));
    this.fc2 = this.module('fc2', vitLinear(ctx, hidden, dim));
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(F.gelu(this.fc1.forward(x)));
  }
}

/** Pre-norm block: x + attn(norm1(x)), then x + mlp(norm2(x)). */
export class Block extends Module {
  readonly norm1: LayerNorm;
  readonly attn: MultiHeadSelfAttention;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;
  constructor(ctx: ModuleContext, dim: number, heads: number, mlpDim: number, eps: number) {
    super(ctx);
    this.norm1 = this.module('norm1', new LayerNorm(ctx, dim, eps));
    this.attn = this.module('attn', new MultiHeadSelfAttention(ctx, dim, heads));
    this.norm2 = this.module('norm2', new LayerNorm(ctx, dim, eps));
    this.mlp = this.module('mlp', new Mlp(ctx, dim, mlpDim));
  }
  forward(x: Tensor): Tensor {
    const h = F.add(x, this.attn.forward(this.norm1.forward(x)));
    return F.add(h, this.mlp.forward(this.norm2.forward(h)));
  }
  forwardWithAttention(x: Tensor): { y: Tensor; probs: Tensor } {
    const a = this.attn.forwardWithAttention(this.norm1.forward(x));
    const h = F.add(x, a.y);
    return { y: F.add(h, this.mlp.forward(this.norm2.forward(h))), probs: a.probs };
  }
}

/** [B, C, H, W] feature map → [B, H·W, C] tokens. */
export function flattenTokens(x: Tensor): Tensor {
  const [b, c, h, w] = x.shape;
  return F.transpose(F.reshape(x, [b, c, h * w]), 1, 2);
}

/** ViT's patch embedding: one conv with kernel = stride = patch. */
export class PatchEmbed extends Module {
  readonly proj: Conv2d;
  constructor(ctx: ModuleContext, readonly patch: number, dim: number, inChannels = 3) {
    super(ctx);
    this.proj = this.module('proj', new Conv2d(ctx, inChannels, dim, patch, { stride: patch }));
  }
  forward(x: Tensor): Tensor {
    return flattenTokens(this.proj.forward(x));
  }
  tokens(imageSize: number): number {
    return (Math.floor(imageSize / this.patch)) ** 2;
  }
}

/**
 * CCT's convolutional tokenizer (Hassani et al. 2021): `layers` × (3×3 conv, ReLU, 3×3 max pool
 * stride 2), so each token sees a local neighbourhood and the ViT learns from little data.
 */
export class ConvTokenizer extends Module {
  readonly convs: Conv2d[] = [];
  constructor(ctx: ModuleContext, readonly layers: number, dim: number, inChannels = 3) {
    super(ctx);
    let c = inChannels;
    for (let i = 0; i < layers; i++) {
      const out = i === layers - 1 ? dim : Math.max(32, dim >> (layers - 1 - i));
      this.convs.push(this.module(`convs.${i}`, new Conv2d(ctx, c, out, 3, { padding: 1, bias: false, weightInit: kaimingNormalInit(c * 9) })));
      c = out;
    }
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (const conv of this.convs) h = F.maxPool2d(F.relu(conv.forward(h)), 3, 2, 1);
    return flattenTokens(h);
  }
  tokens(imageSize: number): number {
    let s = imageSize;
    for (let i = 0; i < this.layers; i++) s = Math.floor((s + 2 - 3) / 2) + 1;
    return s * s;
  }
}

/** CCT's sequence pooling: softmax(Linear(D→1)) over tokens weights their average. */
export class SeqPool extends Module {
  readonly attention_pool: Linear;
  constructor(ctx: ModuleContext, dim: number) {
    super(ctx);
    this.attention_pool = this.module('attention_pool', vitLinear(ctx, dim, 1));
  }
  forward(x: Tensor): Tensor {
    const [b, , d] = x.shape;
    const w = F.softmax(F.transpose(this.attention_pool.forward(x), 1, 2)); // [B, 1, L]
    return F.reshape(F.matmul(w, x), [b, d]);
  }
}
