// Every eval metric against scikit-learn (tests/fixtures/eval_metrics.json, written by
// gen_eval_fixtures.py) plus hand-worked cases whose answer is known without sklearn.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { calibration } from '../../src/ts/eval/calibration.js';
import { binaryReport, rocAuc, rocAucBootstrap, rocCurve, sensitivityAtSpecificity, thresholdMetrics } from '../../src/ts/eval/classification.js';
import { alignmentReport, conceptFidelity, crossModalRetrieval, fitRidge, pairCosines, r2Score } from '../../src/ts/eval/embedding.js';
import { agreement, cohenKappa, confusionMatrix } from '../../src/ts/eval/labels.js';
import { pca2d } from '../../src/ts/eval/pca.js';
import { maskOverlap, segmentationReport } from '../../src/ts/eval/segmentation.js';
import { fixtureDir } from '../fixtures/load.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fx: any = JSON.parse(readFileSync(join(fixtureDir, 'eval_metrics.json'), 'utf8'));

function close(actual: number, expected: number, what: string, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: got ${actual}, sklearn ${expected}`);
}
function closeAll(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-12): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], `${what}[${i}]`, tol);
}

test('fixture is sklearn output with odd sizes', () => {
  assert.ok(/^\d+\.\d+/.test(fx.sklearn));
  assert.equal(fx.binary.map((c: { labels: number[] }) => c.labels.length), [137, 91, 23]);
});

for (const c of fx.binary) {
  test(`binary '${c.name}': threshold metrics, ROC, AUC, bootstrap, sensitivity at 95% specificity vs sklearn`, () => {
    for (const want of c.at_threshold) {
      const got = thresholdMetrics(c.scores, c.labels, want.threshold);
      for (const k of Object.keys(want)) close(got[k as keyof typeof got], want[k], `t=${want.threshold} ${k}`);
    }
    const roc = rocCurve(c.scores, c.labels);
    closeAll(roc.fpr, c.roc.fpr, 'fpr');
    closeAll(roc.tpr, c.roc.tpr, 'tpr');
    assert.is(roc.thresholds[0], Infinity);
    closeAll(roc.thresholds.slice(1), c.roc.thresholds, 'thresholds');
    close(rocAuc(c.scores, c.labels), c.auc, 'auc');
    const ci = rocAucBootstrap(c.scores, c.labels, { resamples: c.bootstrap.resamples, seed: c.bootstrap.seed });
    close(ci.lower, c.bootstrap.lower, 'bootstrap lower');
    close(ci.upper, c.bootstrap.upper, 'bootstrap upper');
    assert.ok(ci.lower < ci.auc && ci.auc < ci.upper);
    const s = sensitivityAtSpecificity(roc, 0.95);
    close(s.sensitivity, c.sens_at_95_spec.sensitivity, 'sens@95spec');
    close(s.specificity, c.sens_at_95_spec.specificity, 'spec reached');
    if (c.sens_at_95_spec.threshold === null) assert.is(s.threshold, Infinity);
    else close(s.threshold, c.sens_at_95_spec.threshold, 'threshold');
    const report = binaryReport(c.scores, c.labels, { bootstrapResamples: 50, seed: 3 });
    assert.equal(report.confusion.counts, c.confusion);
    assert.is(report.positives + report.negatives, c.labels.length);
    // The report serialises: finite numbers survive, the +Infinity first threshold becomes null.
    const json = JSON.parse(JSON.stringify(report));
    assert.is(json.roc.thresholds[0], null);
    close(json.roc_auc.auc, c.auc, 'report auc');
  });
}

test('bootstrap: same seed same interval, other seed other interval, wider at 99%', () => {
  const c = fx.binary[0];
  const a = rocAucBootstrap(c.scores, c.labels, { resamples: 200, seed: 11 });
  const b = rocAucBootstrap(c.scores, c.labels, { resamples: 200, seed: 11 });
  const other = rocAucBootstrap(c.scores, c.labels, { resamples: 200, seed: 12 });
  const wide = rocAucBootstrap(c.scores, c.labels, { resamples: 200, seed: 11, level: 0.99 });
  assert.equal(a, b);
  assert.not.equal(a.lower, other.lower);
  assert.ok(wide.lower <= a.lower && wide.upper >= a.upper);
});

test('multi-class kappa, agreement rate and confusion matrix vs sklearn', () => {
  for (const c of fx.multiclass) {
    close(cohenKappa(c.a, c.b, c.classes), c.kappa, 'kappa');
    const ag = agreement(c.a, c.b, c.classes);
    close(ag.rate, c.rate, 'rate');
    close(ag.kappa, c.kappa, 'agreement kappa');
    const names = Array.from({ length: c.classes }, (_, i) => `class ${i}`);
    assert.equal(confusionMatrix(c.a, c.b, names), { classes: names, counts: c.confusion });
  }
});

test('segmentation: per-image Jaccard / Dice, means and ISIC thresholded Jaccard vs sklearn', () => {
  const s = fx.segmentation;
  const pairs = s.pairs.map((p: { truth: number[]; predicted: number[] }, i: number) => ({ id: `img${i}`, truth: Uint8Array.from(p.truth), predicted: Uint8Array.from(p.predicted) }));
  const r = segmentationReport(pairs);
  s.pairs.forEach((p: { jaccard: number; dice: number }, i: number) => {
    close(r.per_image[i].jaccard, p.jaccard, `jaccard ${i}`);
    close(r.per_image[i].dice, p.dice, `dice ${i}`);
  });
  close(r.mean_jaccard, s.mean_jaccard, 'mean jaccard');
  close(r.mean_dice, s.mean_dice, 'mean dice');
  close(r.thresholded_jaccard, s.thresholded_jaccard, 'thresholded');
  assert.ok(r.thresholded_jaccard > 0 && r.thresholded_jaccard < r.mean_jaccard, 'the fixture has images on both sides of 0.65');
});

test('segmentation: analytic cases and a size mismatch names the image', () => {
  // 4 truth pixels, 2 predicted inside them + 1 outside: J = 2 / 5, D = 4 / 7
  const truth = Uint8Array.from([1, 1, 1, 1, 0, 0, 0]), pred = Uint8Array.from([255, 255, 0, 0, 9, 0, 0]);
  assert.equal(maskOverlap(pred, truth), { jaccard: 2 / 5, dice: 4 / 7 });
  assert.equal(maskOverlap(new Uint8Array(5), new Uint8Array(5)), { jaccard: 1, dice: 1 });
  assert.equal(maskOverlap(new Uint8Array([1, 0]), new Uint8Array([0, 1])), { jaccard: 0, dice: 0 });
  const r = segmentationReport([
    { truth, predicted: truth },
    { truth, predicted: pred },
  ]);
  close(r.mean_jaccard, (1 + 0.4) / 2, 'mean');
  close(r.thresholded_jaccard, 0.5, 'thresholded: 0.4 counts as 0');
  assert.throws(() => segmentationReport([{ id: 'ISIC_1', truth, predicted: new Uint8Array(6) }]), /ISIC_1: predicted mask has 6 pixels, ground truth 7/);
});

test('calibration: reliability bins (edges included) and ECE vs sklearn calibration_curve', () => {
  const c = fx.calibration;
  const r = calibration(c.probabilities, c.labels);
  assert.equal(r.bins.map((b) => b.count), c.counts);
  const nonEmpty = r.bins.filter((b) => b.count > 0);
  closeAll(nonEmpty.map((b) => b.fraction_positive as number), c.prob_true, 'fraction positive');
  closeAll(nonEmpty.map((b) => b.mean_predicted as number), c.prob_pred, 'mean predicted');
  close(r.ece, c.ece, 'ece');
  assert.ok(r.bins.some((b) => b.count === 0) ? r.bins.some((b) => b.mean_predicted === null) : true);
});

test('calibration: analytic — perfectly calibrated bins give 0, constant overconfidence gives the gap', () => {
  // bin (0.2, 0.3]: four at 0.25, one positive → fraction 0.25, exact.
  assert.is(calibration([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0]).ece, 0);
  close(calibration([0.9, 0.9, 0.9, 0.9], [1, 1, 0, 0]).ece, 0.4, 'gap');
  assert.throws(() => calibration([1.5], [1]), /outside \[0, 1\]/);
});

test('embeddings: matched / mismatched cosine and cross-modal retrieval vs sklearn', () => {
  const e = fx.embedding;
  const c = pairCosines(e.image, e.clinical);
  close(c.matched, e.matched, 'matched');
  close(c.mismatched, e.mismatched, 'mismatched');
  const r = crossModalRetrieval(e.image, e.clinical);
  for (const dir of ['image_to_clinical', 'clinical_to_image'] as const) {
    close(r[dir].top1, e.retrieval[dir].top1, `${dir} top1`);
    close(r[dir].top5, e.retrieval[dir].top5, `${dir} top5`);
  }
  assert.equal(alignmentReport(e.image, e.clinical), { cosine: c, retrieval: r });
  // A zero embedding has cosine 0 with everything (sklearn's convention), not NaN.
  const zero = pairCosines([[0, 0], [1, 0]], [[1, 1], [0, 0]]);
  assert.is(zero.matched, 0);
  close(zero.mismatched, Math.SQRT1_2 / 2, 'mismatched with a zero row');
  // The two directions differ on this data, so a transposition mix-up would show.
  assert.not.equal(r.image_to_clinical.top1, r.clinical_to_image.top1);
});

test('retrieval analytic: identical embeddings retrieve perfectly; a swapped pair misses top-1 but not top-5', () => {
  const basis = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 1, 1], [1, 0, 1]];
  const same = crossModalRetrieval(basis, basis);
  assert.equal(same.image_to_clinical, { top1: 1, top5: 1 });
  const swapped = [basis[1], basis[0], ...basis.slice(2)];
  const r = crossModalRetrieval(basis, swapped);
  close(r.image_to_clinical.top1, 4 / 6, 'top1');
  assert.is(r.image_to_clinical.top5, 1);
});

test('concept fidelity: ridge probe R² per feature vs sklearn Ridge + r2_score, two alphas', () => {
  const d = fx.ridge;
  for (const fit of d.fits) {
    const r = conceptFidelity({ trainEmbeddings: d.train_x, trainFeatures: d.train_features, evalEmbeddings: d.eval_x, evalFeatures: d.eval_features }, fit.alpha);
    for (const k of Object.keys(fit.r2)) close(r.r2[k], fit.r2[k], `alpha=${fit.alpha} ${k}`, 1e-9);
    close(r.mean_r2, (Object.values(fit.r2) as number[]).reduce((a, b) => a + b) / 3, 'mean', 1e-9);
  }
});

test('ridge analytic: an exactly linear target is recovered; r2 edge cases follow sklearn', () => {
  const x = [[1, 2], [3, -1], [0, 4], [2, 2], [-1, 0]];
  const y = x.map(([a, b]) => 2 * a - 3 * b + 7);
  const m = fitRidge(x, [y], 1e-10);
  closeAll(m.weights[0], [2, -3], 'weights', 1e-8);
  close(m.intercepts[0], 7, 'intercept', 1e-8);
  assert.is(r2Score([3, 3, 3], [3, 3, 3]), 1);
  assert.is(r2Score([3, 3, 3], [3, 3, 4]), 0);
  assert.throws(() => conceptFidelity({ trainEmbeddings: x, trainFeatures: { A: y }, evalEmbeddings: x, evalFeatures: {} }), /feature 'A' has no eval values/);
});

test('PCA 2-D: points, components and explained variance vs sklearn (up to each axis sign)', () => {
  const p = fx.pca;
  const r = pca2d(p.x);
  closeAll(r.explained_variance, p.explained_variance, 'variance', 1e-10);
  closeAll(r.explained_variance_ratio, p.explained_variance_ratio, 'ratio', 1e-10);
  for (let k = 0; k < 2; k++) {
    const sign = Math.sign(r.components[k][0]) === Math.sign(p.components[k][0]) ? 1 : -1;
    closeAll(r.components[k].map((v) => sign * v), p.components[k], `component ${k}`, 1e-9);
    closeAll(r.points.map((pt) => sign * pt[k]), p.points.map((pt: number[]) => pt[k]), `pc${k + 1}`, 1e-9);
  }
});

test('PCA analytic: points on a tilted line have all variance on the first axis', () => {
  const rows = [-2, -1, 0, 1, 2, 5].map((t) => [3 * t + 1, 4 * t - 2, 0.5]);
  const r = pca2d(rows);
  closeAll(r.components[0], [0.6, 0.8, 0], 'axis', 1e-12);
  close(r.explained_variance_ratio[0], 1, 'ratio', 1e-12);
  close(r.explained_variance[1], 0, 'second', 1e-12);
});

test('classification analytic cases and bad input', () => {
  // Perfect separation; then all-tied scores (AUC 1/2, as sklearn).
  assert.is(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]), 1);
  assert.is(rocAuc([0.5, 0.5, 0.5], [0, 1, 0]), 0.5);
  // one tie between a positive and a negative: 3 of 4 pairs right + 1/2 → 0.875
  assert.is(rocAuc([0.1, 0.4, 0.4, 0.9], [0, 0, 1, 1]), 0.875);
  const m = thresholdMetrics([0.9, 0.6, 0.4, 0.2, 0.7], [1, 0, 1, 0, 0]);
  assert.equal([m.tp, m.fp, m.tn, m.fn], [1, 2, 1, 1]);
  close(m.precision, 1 / 3, 'precision');
  close(m.specificity, 1 / 3, 'specificity');
  close(m.balanced_accuracy, (0.5 + 1 / 3) / 2, 'balanced');
  assert.throws(() => rocAuc([0.1, 0.2], [1, 1]), /both classes/);
  assert.throws(() => thresholdMetrics([0.1, 0.2], [1, 2]), /label 2 at index 1/);
  assert.throws(() => thresholdMetrics([0.1], [1, 0]), /1 scores but 2 labels/);
  assert.throws(() => thresholdMetrics([NaN], [1]), /not finite/);
  // 20 negatives, one scored high: exactly 95% specificity is reachable and counts.
  const scores = [...Array.from({ length: 19 }, (_, i) => i / 100), 0.95, 0.9, 0.3];
  const labels = [...Array(20).fill(0), 1, 1];
  const s = sensitivityAtSpecificity(rocCurve(scores, labels));
  close(s.specificity, 0.95, 'spec');
  assert.is(s.sensitivity, 1);
});

test.run();
