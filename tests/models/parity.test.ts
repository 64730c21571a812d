// Model parity with PyTorch (issue 8 §4, llm.c's test_gpt2 pattern). tests/fixtures/gen_models.py
// builds a tiny ViT (torchvision's VisionTransformer), CEFM and multi-task net in PyTorch (float64)
// with seeded weights and an odd batch; here the same weights load into our models on every backend
// and must give the same outputs, loss and every parameter gradient, then the same parameters and
// BN running statistics after 5 AdamW steps. Error per tensor: max |ours − torch| / max |torch|.
// The ViT's weights also come under torchvision's names (vit-torchvision.safetensors): imported with
// fromTorchvision they give torch's logits; exported with toTorchvision they are the file again, and
// torchvision loads the export with strict=True and gives our logits (torchvision_load.py).
// CEFM_BACKENDS=native,webgpu narrows the backends; CEFM_MODELS=vit,cefm,multitask the models.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as F from '../../src/ts/autograd/functional.js';
import { noGrad, withGraph } from '../../src/ts/autograd/graph.js';
import type { Tensor } from '../../src/ts/autograd/tensor.js';
import type { Backend, DeviceTensor } from '../../src/ts/backend/backend.js';
import { readSafetensorsF32, writeSafetensors } from '../../src/ts/io/safetensors.js';
import { fromTorchvision, toTorchvision } from '../../src/ts/io/vit-names.js';
import type { Cefm } from '../../src/ts/models/cefm.js';
import { type AnyModel, buildModel, type ModelConfig } from '../../src/ts/models/file.js';
import { type MultitaskNet, multitaskLoss } from '../../src/ts/models/multitask.js';
import type { VisionTransformer } from '../../src/ts/models/vit.js';
import { AdamW } from '../../src/ts/nn/optim.js';
import { type HostTensor, shapeString } from '../../src/ts/tensor.js';
import { fixtureDir } from '../fixtures/load.js';
import { backendKinds, openTestBackend } from '../ops/harness.js';
import { NO_GPU, disposeBackend, skip } from '../util/skip.js';

/** Relative to max |torch| per tensor; the reference is float64, so this is our float32 error. */
const TOLERANCE = 1e-4;
const STEPS = 5;

interface Fixture {
  name: string;
  config: ModelConfig;
  lr: number;
  weightDecay: number;
  steps: number;
  /** Tensors under one prefix (init., input., out., grad., step1., final.), prefix removed. */
  group(prefix: string): Map<string, HostTensor>;
}

function loadFixture(name: string): Fixture {
  const file = join(fixtureDir, 'models', `${name}.safetensors`);
  const { tensors, metadata } = readSafetensorsF32(file);
  return {
    name,
    config: JSON.parse(metadata['cefm.config']) as ModelConfig,
    lr: Number(metadata.lr),
    weightDecay: Number(metadata.weight_decay),
    steps: Number(metadata.steps),
    group(prefix) {
      const out = new Map<string, HostTensor>();
      for (const [k, t] of tensors) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), t);
      return out;
    },
  };
}

interface Step {
  outputs: Record<string, Tensor>;
  loss: Tensor;
}

/** The forward and loss that gen_models.py computes for each model (its `run`). */
function forward(f: Fixture, model: AnyModel, input: Record<string, Tensor>): Step {
  switch (f.config.arch) {
    case 'vit': {
      const logits = (model as VisionTransformer).forward(input.images);
      return { outputs: { logits }, loss: F.crossEntropy(logits, input.targets) };
    }
    case 'cefm': {
      const m = model as Cefm;
      const o = m.forward(input.images, input.clinical);
      const diagnosis = m.backbone.head!.forward(o.features);
      const loss = [F.crossEntropy(o.logits, input.targets), F.crossEntropy(o.clinicalLogits, input.targets), m.contrastiveLoss(o)]
        .reduce((a, b) => F.add(a, b), F.crossEntropy(diagnosis, input.targets));
      return {
        outputs: {
          features: o.features, image_embedding: o.imageEmbedding, clinical_embedding: o.clinicalEmbedding,
          diagnosis_logits: diagnosis, logits: o.logits, clinical_logits: o.clinicalLogits,
        },
        loss,
      };
    }
    case 'multitask': {
      const o = (model as MultitaskNet).forward(input.images);
      const { loss } = multitaskLoss(o, { masks: input.masks, labels: input.labels, weights: input.weights });
      return { outputs: { mask_logits: o.maskLogits, logits: o.logits }, loss };
    }
  }
}

/**
 * Elements whose gradient is zero by construction: the loss does not depend on them (the key part
 * of the qkv bias — softmax ignores a constant added to every score of a row — and a Linear's
 * bias feeding a training-mode BatchNorm, which removes it with the mean). torch's float64 gives
 * ~1e-17 there, float32 ~1e-8: no relative error means anything, and Adam divides that noise by
 * √v + eps, so after a few steps those elements drift by up to ~lr per step on any float32
 * implementation (torch's own included), and the BN running means downstream of such a bias
 * follow. So: their gradient is checked against the model's gradient scale, and set to exactly 0
 * (what float64 gives) before each AdamW step; every tensor is then compared in full.
 */
const STRUCTURAL_ZERO = 1e-10;

interface Structure {
  /** Largest |gradient| over the whole model (torch). */
  gradScale: number;
  /** Per parameter: which elements have a structurally zero gradient (absent: none). */
  zeros: Map<string, Uint8Array>;
}

function structure(f: Fixture): Structure {
  const grads = f.group('grad.');
  let gradScale = 0;
  for (const g of grads.values()) for (const v of g.data) gradScale = Math.max(gradScale, Math.abs(v));
  const zeros = new Map<string, Uint8Array>();
  for (const [n, g] of grads) {
    const mask = Uint8Array.from(g.data, (v) => (Math.abs(v) <= STRUCTURAL_ZERO * gradScale ? 1 : 0));
    if (mask.some((m) => m)) zeros.set(n, mask);
  }
  return { gradScale, zeros };
}

/** max |a − b| / max |b| (absolute when b is all zero); non-finite values give Infinity. */
function maxRelError(a: Float32Array, b: Float32Array): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    if (!Number.isFinite(a[i])) return Infinity;
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/**
 * Compares every tensor; fails naming the worst one. `measure` may replace the error of a tensor
 * (an all structurally zero gradient). Returns the worst error (for the log).
 */
function expectAllClose(what: string, got: Map<string, HostTensor>, want: Map<string, HostTensor>,
  measure: (name: string, g: Float32Array, w: Float32Array) => number = (_, g, w) => maxRelError(g, w)): number {
  assert.equal([...got.keys()].sort(), [...want.keys()].sort(), `${what}: tensor names`);
  assert.ok(want.size > 0, `${what}: nothing to compare`);
  let worst = { name: '', err: -1 };
  for (const [name, w] of want) {
    const g = got.get(name)!;
    assert.is(shapeString(g.shape), shapeString(w.shape), `${what}: ${name} shape`);
    const err = measure(name, g.data, w.data);
    if (!(err <= worst.err)) worst = { name, err };
  }
  assert.ok(worst.err <= TOLERANCE, `${what}: worst ${worst.name} rel error ${worst.err.toExponential(2)} > ${TOLERANCE} (of ${want.size} tensors)`);
  return worst.err;
}

function maxAbs(a: Float32Array): number {
  return a.reduce((m, v) => Math.max(m, Number.isFinite(v) ? Math.abs(v) : Infinity), 0);
}

/** Sets the structurally zero gradient elements to 0 (see STRUCTURAL_ZERO). */
async function zeroStructural(be: Backend, model: AnyModel, st: Structure): Promise<void> {
  for (const [n, p] of model.namedParameters()) {
    const mask = st.zeros.get(n);
    if (!mask || !p.grad) continue;
    const g = await be.download(p.grad);
    mask.forEach((z, i) => {
      if (z) g.data[i] = 0;
    });
    p.grad.dispose();
    p.grad = be.upload(g);
  }
}

function buildLoaded(be: Backend, f: Fixture): AnyModel {
  const model = buildModel(be, f.config);
  model.loadStateDict(f.group('init.'), true, `${f.name} fixture`);
  return model.train();
}

const upload = (be: Backend, hosts: Map<string, HostTensor>): Record<string, Tensor> =>
  Object.fromEntries([...hosts].map(([k, t]) => [k, F.constant(be, t)]));

async function download(be: Backend, entries: Iterable<[string, DeviceTensor]>): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [k, t] of entries) out.set(k, await be.download(t));
  return out;
}
const values = (entries: [string, Tensor][]): [string, DeviceTensor][] => entries.map(([k, t]) => [k, t.value]);

async function checkGradients(be: Backend, f: Fixture): Promise<string> {
  const model = buildLoaded(be, f);
  try {
    const got = await withGraph(async (g) => {
      const { outputs, loss } = forward(f, model, upload(be, f.group('input.')));
      g.backward(loss);
      return download(be, values(Object.entries({ ...outputs, loss })));
    });
    const params = model.namedParameters();
    for (const [n, p] of params) assert.ok(p.grad, `${f.name}: ${n} got no gradient`);
    const grads = await download(be, params.map(([n, p]) => [n, p.grad!]));
    const eOut = expectAllClose(`${f.name} outputs and loss`, got, f.group('out.'));
    const st = structure(f);
    // A tensor whose every element is structurally zero: its float32 noise against the model's scale.
    const eGrad = expectAllClose(`${f.name} gradients`, grads, f.group('grad.'), (n, g, w) =>
      st.zeros.get(n)?.every((z) => z) ? maxAbs(g) / st.gradScale : maxRelError(g, w));
    return `outputs ${eOut.toExponential(1)}, ${grads.size} gradients ${eGrad.toExponential(1)}`;
  } finally {
    model.dispose();
  }
}

async function checkTraining(be: Backend, f: Fixture): Promise<string> {
  assert.is(f.steps, STEPS, 'fixture steps');
  const model = buildLoaded(be, f);
  const opt = new AdamW(model.namedParameters(), { lr: f.lr, weightDecay: f.weightDecay });
  const st = structure(f);
  const zeroed = [...st.zeros.values()].reduce((s, m) => s + m.reduce((a, z) => a + z, 0), 0);
  try {
    let stats = 'no BN';
    for (let step = 0; step < f.steps; step++) {
      opt.zeroGrad();
      await withGraph((g) => g.backward(forward(f, model, upload(be, f.group('input.'))).loss));
      if (step === 0 && model.namedBuffers().length) {
        stats = `BN running statistics ${expectAllClose(`${f.name} BN running statistics after one training step`, await download(be, values(model.namedBuffers())), f.group('step1.')).toExponential(1)}`;
      }
      await zeroStructural(be, model, st);
      opt.update();
    }
    const eFinal = expectAllClose(`${f.name} parameters and buffers after ${f.steps} AdamW steps`, await download(be, values(model.stateEntries())), f.group('final.'));
    return `${stats}, after ${f.steps} steps ${eFinal.toExponential(1)} (${zeroed} zero-gradient elements zeroed)`;
  } finally {
    opt.dispose();
    model.dispose();
  }
}

const models = (process.env.CEFM_MODELS ?? 'vit,cefm,multitask').split(',').map((s) => s.trim());
const fixtures = models.map(loadFixture);

test('fixtures cover every parameter with a gradient and every state entry', () => {
  for (const f of fixtures) {
    const init = f.group('init.'), grads = f.group('grad.'), final = f.group('final.');
    assert.equal([...final.keys()].sort(), [...init.keys()].sort(), `${f.name}: final vs init names`);
    for (const [n, g] of grads) assert.ok(g.data.some((v) => v !== 0), `${f.name}: zero gradient for ${n}`);
    assert.ok(grads.size > 0 && f.group('out.').has('loss'), `${f.name}: grads and loss present`);
  }
});

const TORCHVISION_FILE = join(fixtureDir, 'models', 'vit-torchvision.safetensors');
const VIT_FIXTURE = join(fixtureDir, 'models', 'vit.safetensors');

/** The torchvision file imported, run in eval mode on the vit fixture's images: our logits. */
async function importedLogits(be: Backend): Promise<{ logits: HostTensor; exported: Map<string, HostTensor>; config: ModelConfig }> {
  const source = readSafetensorsF32(TORCHVISION_FILE).tensors;
  const imported = fromTorchvision(source, { heads: 3, file: TORCHVISION_FILE });
  const vit = loadFixture('vit');
  assert.equal(imported.config, vit.config, 'config inferred from the torchvision shapes');
  assert.equal(imported.notes, [], 'nothing changed beyond renaming');
  const model = buildModel(be, imported.config);
  try {
    model.loadStateDict(imported.tensors, true, TORCHVISION_FILE);
    model.eval();
    const logits = await noGrad(async () => (model as VisionTransformer).forward(F.constant(be, vit.group('input.').get('images')!)).toHost());
    const exported = toTorchvision(imported.config, await model.stateDict());
    // The export is the torchvision file again, name for name and bit for bit.
    assert.equal([...exported.keys()].sort(), [...source.keys()].sort(), 'exported names');
    for (const [n, t] of exported) assert.ok(shapeString(t.shape) === shapeString(source.get(n)!.shape) && t.data.every((v, i) => v === source.get(n)!.data[i]), `exported ${n} differs from the torchvision file`);
    return { logits, exported, config: imported.config };
  } finally {
    model.dispose();
  }
}

/** Why torchvision cannot run here, or null. */
function noTorch(): string | null {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  return r.status === 0 ? null : `no /usr/bin/python3 with torch and torchvision (${(r.stderr || r.error?.message || '').trim().split('\n').pop()})`;
}

for (const kind of backendKinds()) {
  const opened = openTestBackend(kind);
  opened.catch(() => {}); // the tests await it and fail with its error
  for (const f of fixtures) {
    test(`${kind}: ${f.name} outputs, loss and every gradient vs torch`, async () => {
      const be = await opened;
      if (!be) return skip(NO_GPU);
      console.log(`  ${kind} ${f.name}: ${await checkGradients(be, f)}`);
    });
    test(`${kind}: ${f.name} ${STEPS} AdamW steps and BN running statistics vs torch`, async () => {
      const be = await opened;
      if (!be) return skip(NO_GPU);
      console.log(`  ${kind} ${f.name}: ${await checkTraining(be, f)}`);
    });
  }
  test(`${kind}: torchvision ViT file → fromTorchvision → torch's logits; toTorchvision gives the file back`, async () => {
    const be = await opened;
    if (!be) return skip(NO_GPU);
    const { logits } = await importedLogits(be);
    const err = maxRelError(logits.data, loadFixture('vit').group('out.').get('logits')!.data);
    assert.ok(err <= TOLERANCE, `imported torchvision ViT: logits rel error ${err.toExponential(2)} > ${TOLERANCE}`);
    console.log(`  ${kind} torchvision import: logits ${err.toExponential(1)}`);
  });
  test(`${kind}: our ViT exported with toTorchvision loads in torchvision (strict) and gives our logits`, async () => {
    const be = await opened;
    if (!be) return skip(NO_GPU);
    const why = noTorch();
    if (why) return skip(why);
    const { logits, exported, config } = await importedLogits(be);
    const dir = mkdtempSync(join(tmpdir(), 'cefm-parity-'));
    try {
      writeSafetensors(join(dir, 'export.safetensors'), exported);
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
      const script = join(fixtureDir, '..', 'models', 'torchvision_load.py');
      const out = execFileSync('/usr/bin/python3', [script, join(dir, 'export.safetensors'), join(dir, 'config.json'), VIT_FIXTURE], { encoding: 'utf8' });
      const torch = JSON.parse(out) as { shape: number[]; data: number[] };
      assert.equal(torch.shape, logits.shape, 'torchvision logits shape');
      const err = maxRelError(logits.data, Float32Array.from(torch.data));
      assert.ok(err <= TOLERANCE, `exported ViT in torchvision: logits rel error ${err.toExponential(2)} > ${TOLERANCE}`);
      console.log(`  ${kind} torchvision export: logits ${err.toExponential(1)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test(`${kind}: dispose`, async () => {
    await disposeBackend(opened);
  });
}

test.run();
