// Training CEFM with the authors' recipe: (1) the ViT backbone on the diagnosis (class-balanced
// sampling, strong augmentation); (2) backbone frozen, the two projection heads with NT-Xent
// (τ = 0.05, lr 1e-3, weight decay 1e-5, batch 16, ≤ 15 epochs, early stopping with patience 5 on the
// validation loss); (3) heads frozen, the classifiers on the aligned embeddings. ABC comes from the
// ground-truth mask where the data has one, else from the multi-task network's predicted mask.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as F from '../autograd/functional.js';
import { noGrad, withGraph } from '../autograd/graph.js';
import type { Parameter, Tensor } from '../autograd/tensor.js';
import type { Backend } from '../backend/backend.js';
import { type Mask, type RgbImage, maskFromLogits, readMask, readRgb, resizeMask } from '../data/image.js';
import { toModelInput } from '../models/input.js';
import { DataLoader } from '../data/prefetch.js';
import { mixSeed, Rng } from '../data/rng.js';
import type { Sample } from '../data/spec.js';
import { CefmError } from '../errors.js';
import { rocAuc } from '../eval/classification.js';
import { Cefm, cefmConfig, CEFM_FEATURES } from '../models/cefm.js';
import { type ClinicalStats, featureValue, fitClinicalStats, measureCanonicalAbc, standardise } from '../models/clinical.js';
import { loadModelFile, saveModelFile, type Preprocessing } from '../models/file.js';
import type { MultitaskNet } from '../models/multitask.js';
import { vitConfig } from '../models/vit.js';
import { moduleContext } from '../nn/module.js';
import { AdamW, clipGradNorm } from '../nn/optim.js';
import { Progress } from '../cli/progress.js';
import type { HostTensor } from '../tensor.js';
import { defaultPreprocessing, loaderOptions, openTrainVal, type TrainCliOptions, type TrainRunSummary } from './run.js';
import { train } from './trainer.js';

/** Class-balanced sampling with replacement: each class draws half of every epoch. */
export function balancedOrder(labels: number[], seed: number): (epoch: number) => number[] {
  const byClass = [0, 1].map((c) => labels.flatMap((l, i) => (l === c ? [i] : [])));
  return (epoch) => {
    const rng = new Rng(mixSeed(seed, epoch, 0xba1));
    if (byClass.some((c) => !c.length)) return rng.shuffle(labels.map((_, i) => i));
    return Array.from({ length: labels.length }, (_, k) => {
      const pool = byClass[k % 2];
      return pool[rng.int(pool.length)];
    });
  };
}

const melanoma = (s: Sample) => (s.labels.melanoma === 1 ? 1 : 0);

interface ClinicalRow {
  sample: Sample;
  values: number[];
}

/** ABC of every sample (canonical scale); predicted masks where there is no ground truth. */
async function measureClinical(samples: Sample[], features: string[], segmenter: { model: MultitaskNet; pre: Preprocessing } | null, log: (l: string) => void, quiet: boolean): Promise<ClinicalRow[]> {
  const rows: ClinicalRow[] = [];
  if (!segmenter) {
    const without = samples.filter((s) => !s.mask).length;
    if (without) log(`cefm: ${without} images without a lesion mask are left out of the clinical stages (give --multitask-model to segment them)`);
    samples = samples.filter((s) => s.mask);
  }
  const progress = new Progress({ label: 'abc', total: samples.length, silent: quiet });
  let next = 0;
  const worker = async () => {
    while (next < samples.length) {
      const s = samples[next++];
      try {
        const image = await readRgb(s.image);
        let mask: Mask;
        if (s.mask) mask = await readMask(s.mask, { width: image.width, height: image.height });
        else if (segmenter) mask = await predictMask(segmenter.model, segmenter.pre, image);
        else throw new CefmError('no lesion mask (give --multitask-model to segment images without one)');
        const m = await measureCanonicalAbc(image, mask, s.mask ?? s.image);
        rows.push({ sample: s, values: features.map((f) => featureValue(m, f)) });
        progress.tick();
      } catch (e) {
        progress.tick(1, true);
        progress.warn(`skipped: ${s.image}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  };
  await Promise.all([worker(), worker()]);
  progress.finish();
  const order = new Map(samples.map((s, i) => [s, i]));
  return rows.sort((a, b) => order.get(a.sample)! - order.get(b.sample)!);
}

/** The multi-task network's mask of one image, at the image's size. */
export async function predictMask(model: MultitaskNet, pre: Preprocessing, image: RgbImage): Promise<Mask> {
  const x = toModelInput(image, pre);
  const logits = await noGrad(async () => model.forward(F.constant(model.be, x)).maskLogits.toHost());
  const s = pre.image_size;
  return resizeMask(maskFromLogits(s, s, logits.data), image.width, image.height);
}

/**
 * A multi-task model as the backbone's teacher: its melanoma probability on the student's own
 * (augmented) input, resized to the teacher's input size. Both must normalise images the same way.
 */
function openTeacher(file: string, be: Backend, student: Preprocessing): { model: MultitaskNet; melanomaProbability: (x: Tensor) => Tensor } {
  const m = loadModelFile(file, be);
  const fail = (why: string) => {
    m.model.dispose();
    return new CefmError(`--distill: ${why}`, { file });
  };
  if (m.config.arch !== 'multitask') throw fail('not a multi-task model');
  const t = m.preprocessing;
  if (JSON.stringify([t.mean, t.std, t.color_constancy ?? null]) !== JSON.stringify([student.mean, student.std, student.color_constancy ?? null])) {
    throw fail(`its preprocessing (${JSON.stringify(t)}) differs from the backbone's (${JSON.stringify(student)})`);
  }
  const head = ((m.config as { heads?: string[] }).heads ?? []).indexOf('melanoma');
  if (head < 0) throw fail('it has no melanoma head');
  const model = m.model as MultitaskNet;
  model.eval().setTrainable(false);
  return {
    model,
    melanomaProbability: (x) => {
      const input = x.shape[2] === t.image_size ? x : F.upsampleBilinear(x, [t.image_size, t.image_size]);
      return F.sigmoid(F.slice(model.forward(input).logits, 1, head, 1));
    },
  };
}

/** Cross-entropy of the two-class logits against a soft melanoma target p: BCE of (l₁ − l₀) against p. */
function distillationLoss(logits: Tensor, p: Tensor): Tensor {
  return F.bceWithLogits(F.sub(F.slice(logits, 1, 1, 1), F.slice(logits, 1, 0, 1)), p);
}

/** Backbone features of every sample, deterministic preprocessing. */
async function backboneFeatures(model: Cefm, samples: Sample[], pre: Preprocessing, o: { batch: number; workers?: number }): Promise<Float32Array[]> {
  const loader = new DataLoader(samples, { ...loaderOptions(pre, { batch: o.batch, seed: 0, workers: o.workers, train: false }), masks: false });
  const out: Float32Array[] = [];
  model.eval();
  try {
    for await (const batch of loader.epoch(0)) {
      if (batch.samples.length !== batch.indices.length) throw new CefmError('feature extraction lost samples');
      const f = await noGrad(async () => model.backbone.features(F.constant(model.be, batch.images)).toHost());
      const d = f.shape[1];
      for (let i = 0; i < f.shape[0]; i++) out[batch.indices[i]] = f.data.slice(i * d, (i + 1) * d);
    }
  } finally {
    await loader.close();
  }
  return out;
}

interface FeatureSet {
  features: Float32Array[];
  clinical: number[][];
  labels: number[];
}

function gather(set: FeatureSet, idx: number[], d: number, k: number): { f: HostTensor; c: HostTensor; y: HostTensor } {
  const f = new Float32Array(idx.length * d), c = new Float32Array(idx.length * k), y = new Float32Array(idx.length);
  idx.forEach((i, r) => {
    f.set(set.features[i], r * d);
    c.set(set.clinical[i], r * k);
    y[r] = set.labels[i];
  });
  return { f: { shape: [idx.length, d], data: f }, c: { shape: [idx.length, k], data: c }, y: { shape: [idx.length], data: y } };
}

/**
 * Trains `params` on precomputed features with `loss`; early stopping on the validation loss, the
 * best parameters restored at the end. Returns the epochs run and the best validation loss.
 */
async function trainOnFeatures(model: Cefm, params: [string, Parameter][], trainSet: FeatureSet, valSet: FeatureSet, o: {
  epochs: number; batch: number; lr: number; weightDecay: number; patience: number; seed: number; label: string; log: (l: string) => void;
  loss: (out: ReturnType<Cefm['fromFeatures']>, y: import('../autograd/tensor.js').Tensor) => import('../autograd/tensor.js').Tensor;
  balanced?: boolean;
}): Promise<{ epochs: number; best: number }> {
  const d = trainSet.features[0].length, k = trainSet.clinical[0].length;
  const opt = new AdamW(params, { lr: o.lr, weightDecay: o.weightDecay });
  const be = model.be;
  let best = Infinity, since = 0, epoch = 0;
  let bestState: HostTensor[] | null = null;
  const order = balancedOrder(trainSet.labels, o.seed);
  const evalLoss = async (set: FeatureSet) => {
    model.eval();
    let total = 0, n = 0;
    const idx = set.labels.map((_, i) => i);
    for (let s = 0; s + 1 < idx.length; s += 256) {
      const part = idx.slice(s, s + 256);
      if (part.length < 2) break;
      const g = gather(set, part, d, k);
      total += part.length * await noGrad(async () => o.loss(model.fromFeatures(F.constant(be, g.f), F.constant(be, g.c)), F.constant(be, g.y)).item());
      n += part.length;
    }
    return total / Math.max(1, n);
  };
  for (; epoch < o.epochs; epoch++) {
    model.train();
    const ids = o.balanced ? order(epoch) : new Rng(mixSeed(o.seed, epoch)).shuffle(trainSet.labels.map((_, i) => i));
    let sum = 0, steps = 0;
    for (let s = 0; s + o.batch <= ids.length; s += o.batch) {
      const g = gather(trainSet, ids.slice(s, s + o.batch), d, k);
      sum += await withGraph(async (graph) => {
        const loss = o.loss(model.fromFeatures(F.constant(be, g.f), F.constant(be, g.c)), F.constant(be, g.y));
        graph.backward(loss);
        await clipGradNorm(params.map(([, p]) => p), 5);
        opt.update();
        opt.zeroGrad();
        return loss.item();
      });
      steps++;
    }
    const v = await evalLoss(valSet);
    o.log(`${o.label} epoch ${epoch + 1}: train_loss ${(sum / Math.max(1, steps)).toFixed(4)}, val_loss ${v.toFixed(4)}${v < best ? ' (best)' : ''}`);
    if (v < best) {
      best = v;
      since = 0;
      bestState = await Promise.all(params.map(([, p]) => be.download(p.value)));
    } else if (++since >= o.patience) {
      epoch++;
      break;
    }
  }
  if (bestState) params.forEach(([, p], i) => p.assign(be.upload(bestState![i])));
  opt.dispose();
  return { epochs: epoch, best };
}

/** Melanoma probability of the image and clinical classifiers, and the aligned embeddings, on a feature set. */
export async function cefmHeadOutputs(model: Cefm, set: FeatureSet): Promise<{ image: number[]; clinical: number[]; zImage: Float32Array[]; zClinical: Float32Array[] }> {
  model.eval();
  const d = set.features[0].length, k = set.clinical[0].length;
  const out = { image: [] as number[], clinical: [] as number[], zImage: [] as Float32Array[], zClinical: [] as Float32Array[] };
  const idx = set.labels.map((_, i) => i);
  for (let s = 0; s < idx.length; s += 256) {
    const g = gather(set, idx.slice(s, s + 256), d, k);
    const [li, lc, zi, zc] = await noGrad(async () => {
      const o = model.fromFeatures(F.constant(model.be, g.f), F.constant(model.be, g.c));
      return Promise.all([F.softmax(o.logits).toHost(), F.softmax(o.clinicalLogits).toHost(), o.imageEmbedding.toHost(), o.clinicalEmbedding.toHost()]);
    });
    const n = li.shape[0], p = zi.shape[1];
    for (let i = 0; i < n; i++) {
      out.image.push(li.data[i * 2 + 1]);
      out.clinical.push(lc.data[i * 2 + 1]);
      out.zImage.push(zi.data.slice(i * p, (i + 1) * p));
      out.zClinical.push(zc.data.slice(i * p, (i + 1) * p));
    }
  }
  return out;
}

export async function trainCefm(be: Backend, o: TrainCliOptions, log: (l: string) => void): Promise<TrainRunSummary> {
  const started = Date.now();
  const backbone = vitConfig(o.preset ?? 'cct-small', { num_classes: 2, ...(o.imageSize ? { image_size: o.imageSize } : {}) });
  const config = cefmConfig(backbone, { clinical_features: CEFM_FEATURES });
  const pre = defaultPreprocessing(backbone.image_size);
  const { train: trainSamples, val } = await openTrainVal(o, log);
  if (!val.length) throw new CefmError('train cefm: needs validation data (--val or --val-split > 0)');
  const model = new Cefm(moduleContext(be, o.seed), config);
  const batch = o.batch ?? 32;
  const stages = o.stage === 'all' ? ['backbone', 'heads', 'classifier'] : [o.stage];
  const extra: Record<string, unknown> = { training: { data: o.data, val: o.val, seed: o.seed, backend: be.kind, stages } };
  let clinicalStats: ClinicalStats | null = null;
  const save = async (path: string, tensors?: Map<string, HostTensor>) =>
    saveModelFile(path, model, { preprocessing: pre, extra: { ...extra, clinical: clinicalStats }, tensors });
  let steps = 0, images = 0;
  const bb = model.backbone.namedParameters('backbone.');

  if (stages.includes('backbone')) {
    model.setTrainable(false);
    bb.forEach(([, p]) => (p.requiresGrad = true));
    const teacher = o.distill ? openTeacher(o.distill, be, pre) : null; // before the loaders: a bad teacher leaves nothing open
    const labels = trainSamples.map(melanoma);
    const trainLoader = new DataLoader(trainSamples, { ...loaderOptions(pre, { batch, seed: o.seed, workers: o.workers, train: true, augment: o.augment, log }), masks: false, order: balancedOrder(labels, o.seed) } as never);
    const valLoader = new DataLoader(val, { ...loaderOptions(pre, { batch, seed: o.seed, workers: o.workers, train: false, log }), masks: false });
    const distillWeight = o.distillWeight ?? 0.5;
    if (teacher) log(`cefm: distilling the multi-task model ${o.distill} into the backbone (weight ${distillWeight})`);
    const task = {
      model,
      step: (b: import('../data/prefetch.js').Batch) => {
        const y = F.constant(be, { shape: [b.samples.length], data: Float32Array.from(b.samples, melanoma) });
        const x = F.constant(be, b.images);
        const logits = model.backbone.forward(x);
        const hard = F.crossEntropy(logits, y);
        if (!teacher) return { loss: hard };
        return { loss: F.add(F.scale(hard, 1 - distillWeight), F.scale(distillationLoss(logits, teacher.melanomaProbability(x)), distillWeight)) };
      },
      validate: async () => {
        model.eval();
        const scores: number[] = [], ys: number[] = [];
        for await (const b of valLoader.epoch(0)) {
          const p = await noGrad(async () => F.softmax(model.backbone.forward(F.constant(be, b.images))).toHost());
          b.samples.forEach((s, i) => { scores.push(p.data[i * 2 + 1]); ys.push(melanoma(s)); });
        }
        model.train();
        const auc = ys.includes(0) && ys.includes(1) ? rocAuc(scores, ys) : 0;
        return { auc_melanoma: auc, score: auc };
      },
      saveModel: (path: string) => save(path),
    };
    try {
      const s = await train(task, trainLoader, {
        out: join(o.out, 'backbone'), epochs: o.epochs ?? 30, lr: o.lr ?? 1e-3, weightDecay: 0.05, warmupSteps: 200, clipNorm: 1,
        checkpointEvery: o.checkpointEvery ?? 200, resume: o.resume, maxSteps: o.maxSteps, batchSize: batch, label: 'train cefm backbone', quiet: o.quiet,
        params: bb,
      });
      steps += s.steps;
      images += s.imagesPerSecond * s.seconds;
    } finally {
      await trainLoader.close();
      await valLoader.close();
      teacher?.model.dispose();
    }
    // Continue from the best backbone (none when --max-steps ended the run before a validation).
    const bestPath = join(o.out, 'backbone', 'best.safetensors');
    if (existsSync(bestPath)) {
      const best = loadModelFile(bestPath, be);
      model.loadStateDict(await best.model.stateDict(), true, 'best backbone');
      best.model.dispose();
    }
  }

  if (stages.includes('heads') || stages.includes('classifier')) {
    let segmenter: { model: MultitaskNet; pre: Preprocessing } | null = null;
    if (o.multitaskModel) {
      const m = loadModelFile(o.multitaskModel, be);
      if (m.config.arch !== 'multitask') throw new CefmError('--multitask-model is not a multi-task model', { file: o.multitaskModel });
      segmenter = { model: m.model as MultitaskNet, pre: m.preprocessing };
      segmenter.model.eval();
    }
    const features = config.clinical_features;
    const trainRows = await measureClinical(trainSamples, features, segmenter, log, o.quiet);
    const valRows = await measureClinical(val, features, segmenter, log, o.quiet);
    segmenter?.model.dispose();
    clinicalStats = fitClinicalStats(features, trainRows.map((r) => r.values));
    log(`cefm: ABC of ${trainRows.length} training and ${valRows.length} validation images`);
    const toSet = async (rows: ClinicalRow[]): Promise<FeatureSet> => ({
      features: await backboneFeatures(model, rows.map((r) => r.sample), pre, { batch: 32, workers: o.workers }),
      clinical: rows.map((r) => standardise(clinicalStats!, r.values)),
      labels: rows.map((r) => melanoma(r.sample)),
    });
    const trainSet = await toSet(trainRows), valSet = await toSet(valRows);
    const heads = [...model.image_projection.namedParameters('image_projection.'), ...model.clinical_projection.namedParameters('clinical_projection.')];
    const classifiers = [...model.classifier.namedParameters('classifier.'), ...model.clinical_classifier.namedParameters('clinical_classifier.')];
    model.setTrainable(false);
    if (stages.includes('heads')) {
      heads.forEach(([, p]) => (p.requiresGrad = true));
      const r = await trainOnFeatures(model, heads, trainSet, valSet, {
        epochs: 15, batch: 16, lr: 1e-3, weightDecay: 1e-5, patience: 5, seed: o.seed, label: 'cefm heads (NT-Xent)', log,
        loss: (out) => model.contrastiveLoss(out),
      });
      extra.heads = r;
      heads.forEach(([, p]) => (p.requiresGrad = false));
    }
    classifiers.forEach(([, p]) => (p.requiresGrad = true));
    const r = await trainOnFeatures(model, classifiers, trainSet, valSet, {
      epochs: 30, batch: 32, lr: 1e-3, weightDecay: 1e-4, patience: 5, seed: o.seed + 1, label: 'cefm classifiers', log, balanced: true,
      loss: (out, y) => F.add(F.crossEntropy(out.logits, y), F.crossEntropy(out.clinicalLogits, y)),
    });
    extra.classifier = r;
    const outs = await cefmHeadOutputs(model, valSet);
    extra.validation = {
      auc_image: rocAuc(outs.image, valSet.labels),
      auc_clinical: rocAuc(outs.clinical, valSet.labels),
      samples: valSet.labels.length,
    };
    log(`cefm validation: ${JSON.stringify(extra.validation)}`);
    // Prototypes: the aligned image embeddings of the training set with their diagnoses.
    const trainOuts = await cefmHeadOutputs(model, trainSet);
    const p = trainOuts.zImage[0].length;
    const protoIdx = new Rng(o.seed).shuffle(trainSet.labels.map((_, i) => i)).slice(0, 512);
    const protos = new Float32Array(protoIdx.length * p);
    protoIdx.forEach((i, r) => protos.set(trainOuts.zImage[i], r * p));
    extra.prototypes = protoIdx.map((i) => ({ id: trainRows[i].sample.id, diagnosis: trainRows[i].sample.labels.diagnosis ?? (trainSet.labels[i] ? 'melanoma' : 'benign'), melanoma: trainSet.labels[i] }));
    const tensors = new Map<string, HostTensor>([['prototypes', { shape: [protoIdx.length, p], data: protos }]]);
    // For the report: a sample of each ABC feature over the training lesions, and the typical
    // cosine of a matched image–clinical pair.
    extra.clinical_distribution = Object.fromEntries(features.map((f, j) => [f, protoIdx.slice(0, 300).map((i) => trainRows[i].values[j])]));
    extra.alignment_matched_mean = trainOuts.zImage.reduce((s, z, i) => s + z.reduce((a, v, k) => a + v * trainOuts.zClinical[i][k], 0), 0) / trainOuts.zImage.length;
    await save(join(o.out, 'model.safetensors'), tensors);
  } else {
    await save(join(o.out, 'model.safetensors'));
  }
  const seconds = (Date.now() - started) / 1000;
  model.dispose();
  return { steps, epochs: 0, seconds, imagesPerSecond: images / seconds, best: null, skipped: 0, model: join(o.out, 'model.safetensors'), train_samples: trainSamples.length, val_samples: val.length };
}
