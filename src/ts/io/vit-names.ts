// ViT state dicts of torchvision and timm <-> ours. Our names are timm's; torchvision's differ only in
// names (its packed in_proj_weight is q;k;v stacked like timm's qkv), so the maps are pure renames,
// plus inferring the config from the shapes and, when asked, a new image size or class count.
import { CefmError } from '../errors.js';
import { type HostTensor, shapeString } from '../tensor.js';
import { checkTensorShapes, tensorShapeProblems } from './model-file.js';
import { resizePosEmbed } from './pos-embed.js';
import type { VitConfig } from '../models/vit.js';

export type { VitConfig };

/** The ViTs torchvision and timm have: patch tokenizer and class-token pooling. */
export type PlainVitConfig = VitConfig & { tokenizer: 'patch'; pooling: 'cls' };

/** timm and torchvision both build their ViT LayerNorms with eps 1e-6. */
export const VIT_LAYER_NORM_EPS = 1e-6;

export type VitSource = 'torchvision' | 'timm';

export interface VitImportFlags {
  /** Attention heads (the shapes cannot tell); default width / 64. */
  heads?: number;
  /** A class count other than the checkpoint's: the head is replaced by a zero one (0: no head). */
  numClasses?: number;
  /** An image size other than the checkpoint's: the position embeddings are resized bicubically. */
  imageSize?: number;
  /** Named in errors. */
  file?: string;
}

export interface VitImport {
  config: PlainVitConfig;
  tensors: Map<string, HostTensor>;
  /** What was changed beyond renaming (one line each), for the CLI to tell the user. */
  notes: string[];
}

/** Every tensor of our (patch-tokenizer) ViT with its shape; no head when num_classes is 0. */
export function vitTensorShapes(c: PlainVitConfig): Record<string, number[]> {
  const { width: D, patch_size: P, mlp_dim: M, num_classes: C } = c;
  const grid = c.image_size / P;
  const s: Record<string, number[]> = {
    'patch_embed.proj.weight': [D, 3, P, P],
    'patch_embed.proj.bias': [D],
    cls_token: [1, 1, D],
    pos_embed: [1, 1 + grid * grid, D],
  };
  for (let i = 0; i < c.depth; i++) {
    const b = `blocks.${i}.`;
    Object.assign(s, {
      [`${b}norm1.weight`]: [D], [`${b}norm1.bias`]: [D],
      [`${b}attn.qkv.weight`]: [3 * D, D], [`${b}attn.qkv.bias`]: [3 * D],
      [`${b}attn.proj.weight`]: [D, D], [`${b}attn.proj.bias`]: [D],
      [`${b}norm2.weight`]: [D], [`${b}norm2.bias`]: [D],
      [`${b}mlp.fc1.weight`]: [M, D], [`${b}mlp.fc1.bias`]: [M],
      [`${b}mlp.fc2.weight`]: [D, M], [`${b}mlp.fc2.bias`]: [D],
    });
  }
  Object.assign(s, { 'norm.weight': [D], 'norm.bias': [D] });
  if (C > 0) Object.assign(s, { 'head.weight': [C, D], 'head.bias': [C] });
  return s;
}

/** The problem with a ViT config (as read from a file), or null. */
export function vitConfigProblem(c: Partial<VitConfig>): string | null {
  const pos = (k: keyof VitConfig) => Number.isSafeInteger(c[k]) && (c[k] as number) > 0;
  for (const k of ['image_size', 'patch_size', 'width', 'depth', 'heads', 'mlp_dim'] as const) if (!pos(k)) return `ViT config: ${k} ${JSON.stringify(c[k])} is not a positive integer`;
  if (!Number.isSafeInteger(c.num_classes) || c.num_classes! < 0) return `ViT config: num_classes ${JSON.stringify(c.num_classes)} is not a non-negative integer`;
  if (c.image_size! % c.patch_size!) return `ViT config: image_size ${c.image_size} is not a multiple of patch_size ${c.patch_size}`;
  if (c.width! % c.heads!) return `ViT config: width ${c.width} is not a multiple of heads ${c.heads}`;
  if (c.tokenizer !== 'patch' || c.pooling !== 'cls') return `ViT config: only the patch tokenizer with class-token pooling maps to torchvision/timm (this one: ${c.tokenizer}, ${c.pooling})`;
  return null;
}

// Our name -> the source's name(s); the first is what export writes, the rest are accepted on import.
type Rename = (ours: string) => string[];

const TORCHVISION_BLOCK: Record<string, string[]> = {
  'norm1': ['ln_1'], 'norm2': ['ln_2'],
  'attn.qkv.weight': ['self_attention.in_proj_weight'], 'attn.qkv.bias': ['self_attention.in_proj_bias'],
  'attn.proj': ['self_attention.out_proj'],
  // torchvision >= 0.14 names its MLP blocks mlp.0/mlp.3 and converts older linear_1/linear_2 on load.
  'mlp.fc1': ['mlp.0', 'mlp.linear_1'], 'mlp.fc2': ['mlp.3', 'mlp.linear_2'],
};
const TORCHVISION_TOP: Record<string, string> = {
  'patch_embed.proj': 'conv_proj', cls_token: 'class_token', pos_embed: 'encoder.pos_embedding', norm: 'encoder.ln', head: 'heads.head',
};

function torchvisionNames(ours: string): string[] {
  const block = /^blocks\.(\d+)\.(.+)$/.exec(ours);
  if (block) {
    const [, i, rest] = block;
    for (const [k, alts] of Object.entries(TORCHVISION_BLOCK)) {
      if (rest === k || rest.startsWith(`${k}.`)) return alts.map((a) => `encoder.layers.encoder_layer_${i}.${a}${rest.slice(k.length)}`);
    }
    throw new Error(`vit-names: no torchvision name for ${ours}`);
  }
  for (const [k, theirs] of Object.entries(TORCHVISION_TOP)) if (ours === k || ours.startsWith(`${k}.`)) return [theirs + ours.slice(k.length)];
  throw new Error(`vit-names: no torchvision name for ${ours}`);
}

const RENAMES: Record<VitSource, { rename: Rename; depthKey: RegExp; label: string; alignCorners: boolean }> = {
  // Position embedding resizing as each library does it itself (see pos-embed.ts).
  torchvision: { rename: torchvisionNames, depthKey: /^encoder\.layers\.encoder_layer_(\d+)\./, label: 'a torchvision VisionTransformer', alignCorners: true },
  timm: { rename: (n) => [n], depthKey: /^blocks\.(\d+)\./, label: 'a timm vit_*', alignCorners: false },
};

const fail = (flags: VitImportFlags, msg: string) => new CefmError(msg, { file: flags.file });

function shapeOf(flags: VitImportFlags, tensors: Map<string, HostTensor>, name: string, rank: number, what: string, label: string): number[] {
  const t = tensors.get(name);
  if (!t) throw fail(flags, `no ${name} (the ${what}): is this ${label} state dict?`);
  if (t.shape.length !== rank) throw fail(flags, `${name} is ${shapeString(t.shape)}, expected ${rank} dimensions`);
  return t.shape;
}

function importVit(source: VitSource, input: Map<string, HostTensor>, flags: VitImportFlags): VitImport {
  const { rename, depthKey, label, alignCorners } = RENAMES[source];
  const the = (ours: string) => rename(ours).find((n) => input.has(n)) ?? rename(ours)[0];

  // What the shapes tell.
  const [D, inChannels, P, P2] = shapeOf(flags, input, the('patch_embed.proj.weight'), 4, 'patch embedding', label);
  if (inChannels !== 3 || P !== P2) throw fail(flags, `${the('patch_embed.proj.weight')} is ${shapeString([D, inChannels, P, P2])}: expected a square patch over 3 channels`);
  const posShape = shapeOf(flags, input, the('pos_embed'), 3, 'position embedding', label);
  const grid = Math.round(Math.sqrt(posShape[1] - 1));
  if (posShape[0] !== 1 || posShape[2] !== D || grid * grid !== posShape[1] - 1) throw fail(flags, `${the('pos_embed')} is ${shapeString(posShape)}: expected [1, 1 + g*g, ${D}] (a class token and a square grid)`);
  let depth = 0;
  for (const name of input.keys()) {
    const m = depthKey.exec(name);
    if (m) depth = Math.max(depth, Number(m[1]) + 1);
  }
  if (depth === 0) throw fail(flags, `no transformer blocks (${rename('blocks.0.norm1.weight')[0]}, ...): not ${label} state dict?`);
  const M = shapeOf(flags, input, the('blocks.0.mlp.fc1.weight'), 2, 'first MLP layer', label)[0];
  const hasHead = input.has(the('head.weight'));
  const C = hasHead ? shapeOf(flags, input, the('head.weight'), 2, 'head', label)[0] : undefined;

  // What the flags tell.
  const heads = flags.heads ?? D / 64;
  if (!Number.isSafeInteger(heads) || heads < 1 || D % heads) {
    throw fail(flags, flags.heads === undefined ? `width ${D} is not a multiple of 64, so the number of heads cannot be guessed: pass --heads` : `--heads ${flags.heads} does not divide the width ${D}`);
  }
  const numClasses = flags.numClasses ?? C ?? 0;
  const imageSize = flags.imageSize ?? grid * P;
  if (imageSize % P) throw fail(flags, `--image-size ${imageSize} is not a multiple of the patch size ${P}`);

  // Rename: every name we need must be there; every name there must be used.
  const fileConfig: PlainVitConfig = { arch: 'vit', image_size: grid * P, patch_size: P, width: D, depth, heads, mlp_dim: M, num_classes: C ?? 0, tokenizer: 'patch', pooling: 'cls', layer_norm_eps: VIT_LAYER_NORM_EPS };
  const expected = vitTensorShapes(fileConfig);
  const tensors = new Map<string, HostTensor>();
  const used = new Set<string>();
  for (const ours of Object.keys(expected)) {
    const theirs = rename(ours).find((n) => input.has(n));
    if (theirs === undefined) continue; // reported below as missing, under our name and theirs
    tensors.set(ours, input.get(theirs)!);
    used.add(theirs);
  }
  const theirsMissing = Object.keys(expected).filter((n) => !tensors.has(n)).map((n) => rename(n)[0]);
  const unused = [...input.keys()].filter((n) => !used.has(n));
  if (theirsMissing.length || unused.length) {
    const few = (items: string[]) => `${items.slice(0, 3).join(', ')}${items.length > 3 ? ` (+${items.length - 3} more)` : ''}`;
    const parts = [...(theirsMissing.length ? [`missing ${few(theirsMissing)}`] : []), ...(unused.length ? [`unsupported ${few(unused)}`] : [])];
    throw fail(flags, `not ${label} with a patch embedding, class token and plain pre-norm blocks (depth ${depth}): ${parts.join('; ')}`);
  }
  checkTensorShapes(flags.file ?? '(state dict)', tensors, expected, `${label} of width ${D}, depth ${depth}, MLP ${M}`);

  const notes: string[] = [];
  if (imageSize !== grid * P) {
    const n = imageSize / P;
    tensors.set('pos_embed', resizePosEmbed(tensors.get('pos_embed')!, { prefixTokens: 1, grid: n, alignCorners }));
    notes.push(`position embeddings resized bicubically (align_corners=${alignCorners ? 'True' : 'False'}, as ${source} does) from a ${grid}x${grid} to a ${n}x${n} grid for ${imageSize} px`);
  }
  if (numClasses !== (C ?? 0)) {
    tensors.delete('head.weight');
    tensors.delete('head.bias');
  }
  if (numClasses > 0 && numClasses !== C) {
    tensors.set('head.weight', { shape: [numClasses, D], data: new Float32Array(numClasses * D) });
    tensors.set('head.bias', { shape: [numClasses], data: new Float32Array(numClasses) });
    notes.push(C === undefined ? `new zero-initialised head for ${numClasses} classes` : `head for ${C} classes replaced by a zero-initialised one for ${numClasses}`);
  }
  if (numClasses === 0) notes.push(C === undefined ? 'no classification head in the checkpoint: an embedding model (num_classes 0; --num-classes adds a head)' : `head for ${C} classes dropped: an embedding model`);
  return { config: { ...fileConfig, image_size: imageSize, num_classes: numClasses }, tensors, notes };
}

/** A torchvision VisionTransformer state dict (either MLP naming) as our ViT. */
export function fromTorchvision(tensors: Map<string, HostTensor>, flags: VitImportFlags = {}): VitImport {
  return importVit('torchvision', tensors, flags);
}

/** A timm vit_* state dict (patch embedding, class token, plain blocks; no registers or layer scale) as our ViT. */
export function fromTimm(tensors: Map<string, HostTensor>, flags: VitImportFlags = {}): VitImport {
  return importVit('timm', tensors, flags);
}

export function fromVitSource(source: VitSource, tensors: Map<string, HostTensor>, flags: VitImportFlags = {}): VitImport {
  return importVit(source, tensors, flags);
}

function exportVit(source: VitSource, config: PlainVitConfig, tensors: Map<string, HostTensor>, file?: string): Map<string, HostTensor> {
  const bad = vitConfigProblem(config);
  if (bad) throw new CefmError(bad, { file });
  if (source === 'torchvision' && config.num_classes === 0) throw new CefmError('an embedding model (no head): torchvision\'s VisionTransformer always has one, so it would not load strictly', { file });
  const problems = tensorShapeProblems(tensors, vitTensorShapes(config));
  if (problems) throw new CefmError(`tensors do not match the ViT config: ${problems}`, { file });
  const out = new Map<string, HostTensor>();
  for (const [ours, t] of tensors) out.set(RENAMES[source].rename(ours)[0], t);
  return out;
}

/** Our ViT as a torchvision VisionTransformer state dict (loads with strict=True; MLP as mlp.0/mlp.3). */
export function toTorchvision(config: PlainVitConfig, tensors: Map<string, HostTensor>, file?: string): Map<string, HostTensor> {
  return exportVit('torchvision', config, tensors, file);
}

/** Our ViT as a timm vit_* state dict (timm's names are ours: the check is the point). */
export function toTimm(config: PlainVitConfig, tensors: Map<string, HostTensor>, file?: string): Map<string, HostTensor> {
  return exportVit('timm', config, tensors, file);
}

export function toVitSource(source: VitSource, config: PlainVitConfig, tensors: Map<string, HostTensor>, file?: string): Map<string, HostTensor> {
  return exportVit(source, config, tensors, file);
}
