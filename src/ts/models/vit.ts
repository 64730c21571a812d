// Vision Transformer (Dosovitskiy et al.), with CCT's convolutional tokenizer and sequence pooling
// as options (Hassani et al. 2021) for training from scratch on small data. State-dict names are
// timm's: patch_embed.proj, cls_token, pos_embed, blocks.N.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}, norm, head.
import * as F from '../autograd/functional.js';
import type { Parameter, Tensor } from '../autograd/tensor.js';
import { CefmError } from '../errors.js';
import { truncNormalInit, zerosInit } from '../nn/init.js';
import { LayerNorm, Linear } from '../nn/layers.js';
import { Module, type ModuleContext } from '../nn/module.js';
import { Block, ConvTokenizer, PatchEmbed, SeqPool } from '../nn/transformer.js';

export interface VitConfig {
  arch: 'vit';
  image_size: number;
  patch_size: number;
  width: number;
  depth: number;
  heads: number;
  mlp_dim: number;
  /** 0: no head (the model gives embeddings). */
  num_classes: number;
  tokenizer: 'patch' | 'conv';
  /** Conv layers of the convolutional tokenizer (each halves the resolution). */
  tokenizer_layers?: number;
  pooling: 'cls' | 'seq';
  layer_norm_eps: number;
}

export const vitPresets: Record<string, Omit<VitConfig, 'num_classes'>> = {
  'vit-tiny': { arch: 'vit', image_size: 224, patch_size: 16, width: 192, depth: 12, heads: 3, mlp_dim: 768, tokenizer: 'patch', pooling: 'cls', layer_norm_eps: 1e-6 },
  'vit-small': { arch: 'vit', image_size: 224, patch_size: 16, width: 384, depth: 12, heads: 6, mlp_dim: 1536, tokenizer: 'patch', pooling: 'cls', layer_norm_eps: 1e-6 },
  'vit-b16': { arch: 'vit', image_size: 224, patch_size: 16, width: 768, depth: 12, heads: 12, mlp_dim: 3072, tokenizer: 'patch', pooling: 'cls', layer_norm_eps: 1e-6 },
  /** A CCT-style ViT that trains from scratch on 2 CPU cores (CCT-7/3x1 shrunk). */
  'cct-small': { arch: 'vit', image_size: 112, patch_size: 8, width: 128, depth: 4, heads: 4, mlp_dim: 256, tokenizer: 'conv', tokenizer_layers: 3, pooling: 'seq', layer_norm_eps: 1e-6 },
  /** For tests. */
  'vit-test': { arch: 'vit', image_size: 32, patch_size: 8, width: 48, depth: 2, heads: 3, mlp_dim: 96, tokenizer: 'patch', pooling: 'cls', layer_norm_eps: 1e-6 },
};

export function vitConfig(preset: string, overrides: Partial<VitConfig> = {}): VitConfig {
  const base = vitPresets[preset];
  if (!base) throw new CefmError(`unknown ViT preset '${preset}' (known: ${Object.keys(vitPresets).join(', ')})`);
  return checkVitConfig({ num_classes: 2, ...base, ...overrides });
}

export function checkVitConfig(c: VitConfig): VitConfig {
  const bad = (m: string) => new CefmError(`ViT config: ${m}`);
  for (const k of ['image_size', 'patch_size', 'width', 'depth', 'heads', 'mlp_dim'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw bad(`${k} must be a positive integer, got ${JSON.stringify(c[k])}`);
  }
  if (c.width % c.heads) throw bad(`width ${c.width} is not divisible by heads ${c.heads}`);
  if (c.tokenizer === 'patch' && c.image_size % c.patch_size) throw bad(`image_size ${c.image_size} is not a multiple of patch_size ${c.patch_size}`);
  if (c.tokenizer !== 'patch' && c.tokenizer !== 'conv') throw bad(`tokenizer must be 'patch' or 'conv'`);
  if (c.pooling !== 'cls' && c.pooling !== 'seq') throw bad(`pooling must be 'cls' or 'seq'`);
  return c;
}

export class VisionTransformer extends Module {
  readonly tokenizer: PatchEmbed | ConvTokenizer;
  readonly cls_token: Parameter | null;
  readonly pos_embed: Parameter;
  readonly blocks: Block[] = [];
  readonly norm: LayerNorm;
  readonly pool: SeqPool | null;
  readonly head: Linear | null;

  constructor(ctx: ModuleContext, readonly config: VitConfig) {
    super(ctx);
    const c = checkVitConfig(config);
    this.tokenizer = c.tokenizer === 'patch'
      ? this.module('patch_embed', new PatchEmbed(ctx, c.patch_size, c.width))
      : this.module('tokenizer', new ConvTokenizer(ctx, c.tokenizer_layers ?? 2, c.width));
    const tokens = this.tokenizer.tokens(c.image_size) + (c.pooling === 'cls' ? 1 : 0);
    this.cls_token = c.pooling === 'cls' ? this.param('cls_token', [1, 1, c.width], truncNormalInit(0.02)) : null;
    this.pos_embed = this.param('pos_embed', [1, tokens, c.width], truncNormalInit(0.02));
    for (let i = 0; i < c.depth; i++) this.blocks.push(this.module(`blocks.${i}`, new Block(ctx, c.width, c.heads, c.mlp_dim, c.layer_norm_eps)));
    this.norm = this.module('norm', new LayerNorm(ctx, c.width, c.layer_norm_eps));
    this.pool = c.pooling === 'seq' ? this.module('pool', new SeqPool(ctx, c.width)) : null;
    this.head = c.num_classes > 0 ? this.module('head', new Linear(ctx, c.width, c.num_classes, { weightInit: truncNormalInit(0.02), biasInit: zerosInit })) : null;
  }

  /** Tokens with the class token and position embedding: [B, L, D]. */
  private embed(images: Tensor): Tensor {
    const c = this.config;
    if (images.rank !== 4 || images.shape[1] !== 3 || images.shape[2] !== c.image_size || images.shape[3] !== c.image_size) {
      throw new CefmError(`ViT: expects images [N, 3, ${c.image_size}, ${c.image_size}], got [${images.shape}]`);
    }
    let x = this.tokenizer.forward(images);
    if (this.cls_token) {
      const b = x.shape[0];
      const zeros = F.constant(this.be, { shape: [b, 1, c.width], data: new Float32Array(b * c.width) });
      x = F.concat([F.add(zeros, this.cls_token), x], 1);
    }
    return F.add(x, this.pos_embed);
  }

  /** The pooled embedding after the final LayerNorm: [B, D] (CEFM's image feature). */
  features(images: Tensor): Tensor {
    let x = this.embed(images);
    for (const b of this.blocks) x = b.forward(x);
    return this.poolTokens(this.norm.forward(x));
  }

  private poolTokens(x: Tensor): Tensor {
    if (this.pool) return this.pool.forward(x);
    const [b, , d] = x.shape;
    return F.reshape(F.slice(x, 1, 0, 1), [b, d]);
  }

  forward(images: Tensor): Tensor {
    if (!this.head) throw new CefmError('ViT: this model has no classification head (num_classes 0)');
    return this.head.forward(this.features(images));
  }

  /** Features plus every block's attention probabilities [B, H, L, L] (for attention rollout). */
  featuresWithAttention(images: Tensor): { features: Tensor; attentions: Tensor[] } {
    let x = this.embed(images);
    const attentions: Tensor[] = [];
    for (const b of this.blocks) {
      const r = b.forwardWithAttention(x);
      x = r.y;
      attentions.push(r.probs);
    }
    return { features: this.poolTokens(this.norm.forward(x)), attentions };
  }
}
