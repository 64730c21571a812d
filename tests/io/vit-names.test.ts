// torchvision / timm ViT state dicts <-> ours, position embedding resizing vs PyTorch, model files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CefmError } from '../../src/ts/errors.js';
import { checkTensorShapes, IMAGENET_MEAN, IMAGENET_STD, loadModel, saveModel } from '../../src/ts/io/model-file.js';
import { resizePosEmbed } from '../../src/ts/io/pos-embed.js';
import { readSafetensorsF32, writeSafetensors } from '../../src/ts/io/safetensors.js';
import { fromTimm, fromTorchvision, toTimm, toTorchvision, type PlainVitConfig, vitTensorShapes } from '../../src/ts/io/vit-names.js';
import type { HostTensor } from '../../src/ts/tensor.js';
import { Rng } from '../util/rng.js';
import { FIXTURES, ioReference } from './py.js';

const tmp = mkdtempSync(join(tmpdir(), 'io-vit-'));
const TV = join(FIXTURES, 'torchvision_vit.safetensors');
const TIMM = join(FIXTURES, 'timm_vit.safetensors');
const tv = () => readSafetensorsF32(TV).tensors;

function throwsCefm(fn: () => unknown, why: RegExp) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, CefmError);
    assert.match((e as Error).message, why);
    assert.not.match((e as Error).message, /\n/);
    return;
  }
  assert.unreachable(`expected an error matching ${why}`);
}

const sameTensors = (a: Map<string, HostTensor>, b: Map<string, HostTensor>) => {
  assert.equal([...a.keys()].sort(), [...b.keys()].sort());
  for (const [k, t] of a) {
    assert.equal(t.shape, b.get(k)!.shape, k);
    assert.ok(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(Buffer.from(b.get(k)!.data.buffer, b.get(k)!.data.byteOffset, b.get(k)!.data.byteLength)), k);
  }
};

test('torchvision: config inferred from the shapes, our names and shapes, and back to the same tensors', () => {
  const input = tv();
  const { config, tensors, notes } = fromTorchvision(input, { heads: 3, file: TV });
  assert.equal(config, { arch: 'vit', image_size: 32, patch_size: 8, width: 48, depth: 2, heads: 3, mlp_dim: 96, num_classes: 5, tokenizer: 'patch', pooling: 'cls', layer_norm_eps: 1e-6 });
  assert.equal(notes, []);
  checkTensorShapes(TV, tensors, vitTensorShapes(config));
  assert.equal(tensors.get('blocks.1.attn.qkv.weight')!.shape, [144, 48]);
  assert.is(tensors.get('blocks.1.attn.qkv.weight')!.data, input.get('encoder.layers.encoder_layer_1.self_attention.in_proj_weight')!.data);
  assert.is(tensors.get('blocks.0.mlp.fc2.bias')!.data, input.get('encoder.layers.encoder_layer_0.mlp.3.bias')!.data);
  sameTensors(toTorchvision(config, tensors), input);
  // The old MLP names (linear_1/linear_2) import the same.
  const old = new Map([...input].map(([k, v]) => [k.replace('mlp.0.', 'mlp.linear_1.').replace('mlp.3.', 'mlp.linear_2.'), v]));
  sameTensors(fromTorchvision(old, { heads: 3 }).tensors, tensors);
});

test('timm: written by name in Python, other sizes; heads default to width/64 or come from flags', () => {
  const input = readSafetensorsF32(TIMM).tensors;
  throwsCefm(() => fromTimm(input, { file: TIMM }), /timm_vit\.safetensors: width 32 is not a multiple of 64.*--heads/);
  throwsCefm(() => fromTimm(input, { file: TIMM, heads: 5 }), /--heads 5 does not divide the width 32/);
  const { config, tensors } = fromTimm(input, { heads: 2 });
  assert.equal(config, { arch: 'vit', image_size: 24, patch_size: 4, width: 32, depth: 3, heads: 2, mlp_dim: 80, num_classes: 3, tokenizer: 'patch', pooling: 'cls', layer_norm_eps: 1e-6 });
  sameTensors(toTimm(config, tensors), input);
  // The same weights as torchvision names convert to the same model.
  const asTv = toTorchvision(config, tensors);
  sameTensors(fromTorchvision(asTv, { heads: 2 }).tensors, tensors);
});

test('wrong source, missing and extra keys, bad shapes: one-line errors naming the file', () => {
  throwsCefm(() => fromTimm(tv(), { file: TV }), /torchvision_vit\.safetensors: no patch_embed\.proj\.weight .*timm/);
  const missing = tv();
  missing.delete('encoder.layers.encoder_layer_1.ln_2.bias');
  throwsCefm(() => fromTorchvision(missing, { heads: 3, file: TV }), /torchvision_vit\.safetensors: .*missing encoder\.layers\.encoder_layer_1\.ln_2\.bias/);
  const extra = tv();
  extra.set('heads.pre_logits.weight', { shape: [48, 48], data: new Float32Array(48 * 48) });
  throwsCefm(() => fromTorchvision(extra, { heads: 3, file: TV }), /unsupported heads\.pre_logits\.weight/);
  const wrong = tv();
  wrong.set('encoder.ln.bias', { shape: [47], data: new Float32Array(47) });
  throwsCefm(() => fromTorchvision(wrong, { heads: 3, file: TV }), /torchvision_vit\.safetensors: tensors do not match .*wrong shape: norm\.bias is \[47\], expected \[48\]/);
  const notSquare = tv();
  notSquare.set('encoder.pos_embedding', { shape: [1, 16, 48], data: new Float32Array(16 * 48) });
  throwsCefm(() => fromTorchvision(notSquare, { heads: 3, file: TV }), /encoder\.pos_embedding is \[1,16,48\]: expected \[1, 1 \+ g\*g, 48\]/);
  throwsCefm(() => fromTorchvision(tv(), { heads: 3, imageSize: 36 }), /--image-size 36 is not a multiple of the patch size 8/);
  const { config, tensors } = fromTorchvision(tv(), { heads: 3 });
  tensors.delete('head.bias');
  throwsCefm(() => toTorchvision(config, tensors, 'model.safetensors'), /model\.safetensors: tensors do not match the ViT config: missing head\.bias \[5\]/);
  throwsCefm(() => toTimm({ ...config, tokenizer: 'conv' as 'patch' }, tensors), /only the patch tokenizer/);
  throwsCefm(() => toTimm({ ...config, num_classes: -1 }, tensors), /num_classes -1 is not a non-negative integer/);
});

test('--num-classes: a zero head of the new size; without a head in the file an embedding model (num_classes 0)', () => {
  const { config, tensors, notes } = fromTorchvision(tv(), { heads: 3, numClasses: 2 });
  assert.is(config.num_classes, 2);
  assert.equal(tensors.get('head.weight')!.shape, [2, 48]);
  assert.ok(tensors.get('head.weight')!.data.every((v) => v === 0));
  assert.match(notes[0], /head for 5 classes replaced by a zero-initialised one for 2/);
  const headless = readSafetensorsF32(TIMM).tensors;
  headless.delete('head.weight');
  headless.delete('head.bias');
  const embedder = fromTimm(headless, { heads: 2, file: TIMM });
  assert.is(embedder.config.num_classes, 0);
  assert.not.ok(embedder.tensors.has('head.weight'));
  assert.match(embedder.notes[0], /no classification head .* embedding model/);
  sameTensors(toTimm(embedder.config, embedder.tensors), headless);
  throwsCefm(() => toTorchvision(embedder.config, embedder.tensors), /always has one/);
  assert.equal(fromTimm(headless, { heads: 2, numClasses: 7 }).tensors.get('head.bias')!.shape, [7]);
});

test('position embeddings resized bicubically as torch F.interpolate (both align_corners), up and down', () => {
  const rng = new Rng(5);
  const D = 6, g = 5;
  const pos = { shape: [1, 1 + g * g, D], data: rng.array((1 + g * g) * D) };
  const file = join(tmp, 'pos.safetensors'), out = join(tmp, 'pos-resized.safetensors');
  writeSafetensors(file, { pos });
  ioReference('resize', file, out);
  const ref = readSafetensorsF32(out).tensors;
  let worst = 0;
  for (const size of [1, 3, g - 1, g + 3, 2 * g])
    for (const alignCorners of [false, true]) {
      const ours = resizePosEmbed(pos, { prefixTokens: 1, grid: size, alignCorners });
      const theirs = ref.get(`pos.${size}.${alignCorners ? 1 : 0}`)!;
      assert.equal(ours.shape, [1, 1 + size * size, D]);
      assert.equal([...ours.data.subarray(0, D)], [...pos.data.subarray(0, D)], 'class token kept');
      for (let i = 0; i < theirs.data.length; i++) worst = Math.max(worst, Math.abs(ours.data[D + i] - theirs.data[i]));
    }
  assert.ok(worst < 1e-6, `max |ours - torch| = ${worst}`);
  // Through the import: torchvision's rule (align_corners=True).
  const { config, tensors, notes } = fromTorchvision(tv(), { heads: 3, imageSize: 48 });
  assert.is(config.image_size, 48);
  assert.equal(tensors.get('pos_embed')!.shape, [1, 37, 48]);
  assert.match(notes[0], /align_corners=True.*4x4 to a 6x6 grid for 48 px/);
});

test('model files: config and preprocessing in __metadata__, shapes checked, bad metadata refused', () => {
  const { config, tensors } = fromTorchvision(tv(), { heads: 3 });
  const file = join(tmp, 'model.safetensors');
  const preprocessing = { image_size: 32, mean: IMAGENET_MEAN, std: IMAGENET_STD, abc: { mean: [1, 2, 3, 4, 5], std: [1, 1, 1, 1, 2] } };
  saveModel(file, { config, preprocessing, tensors, extra: { labels: ['benign', 'melanoma'] } });
  const back = loadModel<PlainVitConfig>(file);
  assert.equal(back.config, config);
  assert.equal(back.preprocessing, preprocessing);
  assert.equal(back.extra, { labels: ['benign', 'melanoma'] });
  sameTensors(back.tensors, tensors);
  checkTensorShapes(file, back.tensors, vitTensorShapes(back.config));
  throwsCefm(() => checkTensorShapes(file, back.tensors, vitTensorShapes({ ...config, depth: 3, mlp_dim: 95 })),
    /model\.safetensors: tensors do not match the model config: missing blocks\.2\.norm1\.weight \[48\], .*\(\+\d+ more\); wrong shape: blocks\.0\.mlp\.fc1\.weight is \[96,48\], expected \[95,48\]/);
  throwsCefm(() => loadModel(TV), /torchvision_vit\.safetensors: not a cefm-native model: __metadata__ has no cefm\.format/);
  const bad = (meta: Record<string, string>, why: RegExp) => {
    const f = join(tmp, 'bad.safetensors');
    writeSafetensors(f, { x: { shape: [1], data: new Float32Array(1) } }, meta);
    throwsCefm(() => loadModel(f), why);
  };
  const ok = { 'cefm.format': '1', 'cefm.config': '{"arch":"vit"}', 'cefm.preprocessing': JSON.stringify(preprocessing) };
  bad({ ...ok, 'cefm.format': '2' }, /bad\.safetensors: model format "2" is not supported/);
  bad({ ...ok, 'cefm.config': '{"arch": ' }, /bad\.safetensors: __metadata__ cefm\.config is not valid JSON/);
  bad({ ...ok, 'cefm.config': '{}' }, /cefm\.config has no "arch"/);
  bad({ 'cefm.format': '1', 'cefm.config': '{"arch":"vit"}' }, /has no cefm\.preprocessing/);
  bad({ ...ok, 'cefm.preprocessing': '{"image_size": 32, "mean": [0.5], "std": [0]}' }, /preprocessing\.std is not a list of positive numbers/);
  bad({ ...ok, 'cefm.extra': '[1]' }, /cefm\.extra is not a JSON object/);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
