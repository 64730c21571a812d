// `cefm-native convert` as a user runs it: torchvision -> model -> torchvision loads in PyTorch with
// strict=True and gives the original logits; timm round trip; errors and exit codes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadModel } from '../../src/ts/io/model-file.js';
import { readSafetensorsF32 } from '../../src/ts/io/safetensors.js';
import { runCli } from '../util/cli.js';
import { FIXTURES, ioReference } from './py.js';

const tmp = mkdtempSync(join(tmpdir(), 'io-cli-'));
const TV = join(FIXTURES, 'torchvision_vit.safetensors');
const TIMM = join(FIXTURES, 'timm_vit.safetensors');

test('torchvision -> model -> torchvision: PyTorch loads it strictly and gives the same logits', async () => {
  const model = join(tmp, 'vit.safetensors'), back = join(tmp, 'tv.safetensors');
  const r = await runCli(['convert', '--from', 'torchvision', TV, '--out', model, '--heads', '3', '--json']);
  assert.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.config.width, 48);
  const m = loadModel(model);
  assert.equal(m.preprocessing, { image_size: 32, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  assert.equal(m.extra, { imported_from: { format: 'torchvision', file: 'torchvision_vit.safetensors' } });
  const e = await runCli(['convert', '--to', 'torchvision', model, '--out', back]);
  assert.is(e.code, 0, e.stderr);
  assert.match(e.stdout, /ViT width 48, depth 2, 3 heads, MLP 96, patch 8, 32 px, 5 classes -> torchvision state dict .* \(32 tensors\)/);
  const { logits, original, reference } = JSON.parse(ioReference('tv-logits', back, join(FIXTURES, 'torchvision_vit_logits.safetensors'), TV));
  assert.is(logits.length, 10); // a batch of 2, 5 classes
  // The round trip keeps every weight bit for bit, so this PyTorch gives the original's logits exactly;
  // the stored ones come from another machine's PyTorch (other SIMD kernels): equal to rounding.
  assert.equal(logits, original);
  (reference as number[]).forEach((r, i) => assert.ok(Math.abs(logits[i] - r) <= 1e-5 * Math.max(1, Math.abs(r)), `logit ${i}: ${logits[i]} vs stored ${r}`));
});

test('timm -> model -> timm gives the same tensors; --image-size and --num-classes reported', async () => {
  const model = join(tmp, 'timm-model.safetensors'), back = join(tmp, 'timm.safetensors');
  const r = await runCli(['convert', '--from', 'timm', TIMM, '--out', model, '--heads', '2']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /convert: timm ViT width 32, depth 3, 2 heads, MLP 80, patch 4, 24 px, 3 classes -> /);
  assert.is((await runCli(['convert', '--to', 'timm', model, '--out', back])).code, 0);
  const a = readSafetensorsF32(TIMM).tensors, b = readSafetensorsF32(back).tensors;
  assert.equal([...b.keys()].sort(), [...a.keys()].sort());
  for (const [k, t] of a) assert.equal([...b.get(k)!.data], [...t.data], k);
  const resized = await runCli(['convert', '--from', 'timm', TIMM, '--out', model, '--heads', '2', '--image-size', '32', '--num-classes', '2']);
  assert.is(resized.code, 0, resized.stderr);
  assert.match(resized.stdout, /align_corners=False.*6x6 to a 8x8 grid for 32 px\n.*head for 3 classes replaced .* for 2\n.*32 px, 2 classes/);
});

test('errors: one line naming the file; exit 1 for bad files, 2 for bad usage', async () => {
  const junk = join(tmp, 'junk.safetensors');
  writeFileSync(junk, 'not a safetensors file at all');
  const cases: [string[], number, RegExp][] = [
    [['convert', '--from', 'torchvision', junk, '--out', join(tmp, 'x.safetensors')], 1, /junk\.safetensors: .*header length/],
    [['convert', '--from', 'torchvision', TV, '--out', join(tmp, 'x.safetensors')], 1, /torchvision_vit\.safetensors: width 48 is not a multiple of 64.*--heads/],
    [['convert', '--from', 'timm', TV, '--out', join(tmp, 'x.safetensors')], 1, /torchvision_vit\.safetensors: no patch_embed\.proj\.weight/],
    [['convert', '--to', 'torchvision', TV, '--out', join(tmp, 'x.safetensors')], 1, /torchvision_vit\.safetensors: not a cefm-native model/],
    [['convert', '--from', 'keras', TV, '--out', join(tmp, 'x.safetensors')], 2, /--from must be torchvision or timm/],
    [['convert', TV, '--out', join(tmp, 'x.safetensors')], 2, /exactly one of --from/],
    [['convert', '--from', 'timm', TIMM, '--out', join(tmp, 'x.safetensors'), '--heads', 'two'], 2, /--heads must be a positive integer/],
    [['convert', '--from', 'timm', TIMM], 2, /--out/],
  ];
  for (const [args, code, why] of cases) {
    const r = await runCli(args);
    assert.is(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n').filter((l) => !/run with --help/.test(l));
    assert.is(lines.length, 1, r.stderr);
    assert.match(lines[0], why);
  }
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
