// The eval plots render to real PNGs (sharp / librsvg): decoded back, right size, not blank, the
// data's colours actually drawn. Set EVAL_PLOT_DIR to keep the PNGs for looking at.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { calibration } from '../../src/ts/eval/calibration.js';
import { rocAucBootstrap, rocCurve } from '../../src/ts/eval/classification.js';
import { confusionMatrix } from '../../src/ts/eval/labels.js';
import { pca2d } from '../../src/ts/eval/pca.js';
import {
  categoricalScatterSvg, continuousScatterSvg, diagnosisGroup, niceTicks, pcaAxisLabels, renderCategoricalScatterPng, renderConfusionPng, renderContinuousScatterPng,
  reliabilitySvg, renderEmbeddingPlots, renderReliabilityPng, renderRocPng, rocSvg, viridis,
} from '../../src/ts/eval/plots.js';
import { Rng } from '../util/rng.js';

const keep = process.env.EVAL_PLOT_DIR;
const dir = keep ?? mkdtempSync(join(tmpdir(), 'eval-plots-'));
const rng = new Rng(20261203);

function task(n: number, prevalence: number, separation: number) {
  const labels = Array.from({ length: n }, () => (rng.next() < prevalence ? 1 : 0));
  const scores = labels.map((y) => 1 / (1 + Math.exp(-(rng.normal() * 1.2 + separation * (y - 0.5) * 2 - 0.8))));
  return { labels, scores };
}

interface Decoded { width: number; height: number; channels: number; data: Buffer }
async function decode(file: string): Promise<Decoded> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data };
}

/** Pixels within `tol` of an RGB colour. */
function countColour(img: Decoded, hex: string, tol = 30): number {
  const c = [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
  let n = 0;
  for (let i = 0; i < img.data.length; i += img.channels) {
    if (Math.abs(img.data[i] - c[0]) <= tol && Math.abs(img.data[i + 1] - c[1]) <= tol && Math.abs(img.data[i + 2] - c[2]) <= tol) n++;
  }
  return n;
}

/** `tol`: per-channel slack, wider where dots are translucent over white. */
async function checkPng(file: string, width: number, height: number, colours: string[], tol = 30): Promise<void> {
  const img = await decode(file);
  assert.is(img.width, width, `${file} width`);
  assert.is(img.height, height, `${file} height`);
  const pixels = img.width * img.height;
  const white = countColour(img, '#ffffff', 8);
  assert.ok(white < 0.97 * pixels, `${file}: ${white} of ${pixels} pixels white (blank?)`);
  assert.ok(countColour(img, '#222222', 40) > 500, `${file}: too little dark ink (no text or axes?)`);
  for (const c of colours) assert.ok(countColour(img, c, tol) > 200, `${file}: colour ${c} hardly drawn`);
}

test('ROC: several tasks on one plot, AUC and interval in the legend, PNG decodes and shows each curve', async () => {
  const mel = task(301, 0.2, 1.6), sk = task(301, 0.15, 0.8);
  const curves = [
    { label: 'melanoma', roc: rocCurve(mel.scores, mel.labels), ...rocAucBootstrap(mel.scores, mel.labels, { resamples: 200 }) },
    { label: 'seborrheic keratosis', roc: rocCurve(sk.scores, sk.labels), ...rocAucBootstrap(sk.scores, sk.labels, { resamples: 200 }) },
  ];
  const svg = rocSvg(curves);
  assert.match(svg, `melanoma (AUC ${curves[0].auc.toFixed(3)} [${curves[0].lower.toFixed(3)}–${curves[0].upper.toFixed(3)}])`);
  assert.match(svg, 'False positive rate');
  const file = join(dir, 'roc.png');
  await renderRocPng(curves, file);
  await checkPng(file, 720, 680, ['#1f77b4', '#ff7f0e']);
});

test('confusion matrix: binary and seven-class, counts as text, colour by row share', async () => {
  const mel = task(211, 0.3, 1.2);
  const binary = confusionMatrix(mel.labels, mel.scores.map((s) => (s >= 0.5 ? 1 : 0)), ['benign', 'melanoma']);
  await renderConfusionPng(binary, join(dir, 'confusion.png'), { title: 'Melanoma at threshold 0.5' });
  await checkPng(join(dir, 'confusion.png'), 70 + 8 * 8.5 + 2 * 150 + 40, 70 + 2 * 150 + 90, ['#08519c']);
  const classes = ['akiec', 'bcc', 'bkl', 'df', 'melanoma', 'nevus', 'vascular'];
  const truth = Array.from({ length: 500 }, () => rng.int(0, 7));
  const pred = truth.map((t) => (rng.next() < 0.65 ? t : rng.int(0, 7)));
  const cm = confusionMatrix(truth, pred, classes);
  const file = join(dir, 'confusion7.png');
  await renderConfusionPng(cm, file, { title: 'Diagnosis (7 classes)' });
  const img = await decode(file);
  assert.ok(img.width > 7 * 64 && img.height > 7 * 64);
  assert.ok(countColour(img, '#2171b5', 40) > 1000, 'dark diagonal cells');
});

test('reliability diagram: bars, diagonal, ECE in the title, count histogram', async () => {
  const t = task(400, 0.35, 1.0);
  const cal = calibration(t.scores, t.labels);
  const file = join(dir, 'reliability.png');
  await renderReliabilityPng(cal, file);
  await checkPng(file, 720, 780, ['#6baed6', '#d62728', '#7f7f7f']);
  assert.match(reliabilitySvg(cal), `ECE ${cal.ece.toFixed(3)}`);
});

test('PCA scatter by diagnosis and by a continuous ABC feature with a colour bar', async () => {
  const classes = ['akiec', 'bcc', 'bkl', 'df', 'melanoma', 'nevus', 'vascular'];
  const centres = classes.map(() => Array.from({ length: 17 }, () => 3 * rng.normal()));
  const diagnosis: string[] = [], rows: number[][] = [];
  for (let i = 0; i < 350; i++) {
    const c = i < 150 ? 5 : rng.int(0, 7); // nevus-heavy, like HAM10000
    diagnosis.push(classes[c]);
    rows.push(centres[c].map((m) => m + rng.normal()));
  }
  const proj = pca2d(rows);
  const labels = pcaAxisLabels(proj.explained_variance_ratio);
  assert.match(categoricalScatterSvg(proj.points, diagnosis, labels), 'nevus (');
  const byDiagnosis = join(dir, 'pca_diagnosis.png');
  await renderCategoricalScatterPng(proj.points, diagnosis, byDiagnosis, { title: 'Aligned image embeddings (PCA) by diagnosis', ...labels });
  await checkPng(byDiagnosis, 960, 680, ['#1f77b4', '#8c564b', '#e377c2'], 55);
  const asymmetry = proj.points.map(([x, y]) => 40 + 3 * x - y + rng.normal());
  asymmetry[3] = NaN; // a sample without a mask: drawn grey, not dropped
  const byFeature = join(dir, 'pca_A.png');
  await renderContinuousScatterPng(proj.points, asymmetry, byFeature, { title: 'Aligned image embeddings (PCA) by asymmetry A', valueLabel: 'A (asymmetry)', ...labels });
  await checkPng(byFeature, 860, 680, ['#440154', '#fde725', '#21918c'], 55);
  assert.match(continuousScatterSvg(proj.points, asymmetry), 'no value (1)');
  const sub = join(dir, 'embedding');
  const files = await renderEmbeddingPlots(proj, { diagnosis, features: { A: asymmetry, 'sigma h': proj.points.map(([x]) => x) } }, sub);
  assert.equal(files.map((f) => f.slice(sub.length + 1)), ['pca_diagnosis.png', 'pca_A.png', 'pca_sigma_h.png']);
  for (const f of files) await checkPng(f, f.endsWith('diagnosis.png') ? 960 : 860, 680, [], 55);
});

test('PCA scatter: more diagnoses than colours keeps the frequent ones apart and greys the rest as other', () => {
  const names = Array.from({ length: 13 }, (_, k) => `class ${String.fromCharCode(97 + k)}`);
  const categories = names.flatMap((n, k) => new Array<string>(20 - k).fill(n)); // a is the most frequent
  const points = categories.map((_, i) => [Math.cos(i), Math.sin(i)] as [number, number]);
  const svg = categoricalScatterSvg(points, categories);
  const legend = [...svg.matchAll(/<circle cx="[\d.]+" cy="[\d.]+" r="6" fill="(#[0-9a-f]{6})"\/><text[^>]*>([^<]+)</g)].map((m) => [m[1], m[2]]);
  assert.is(legend.length, 10, JSON.stringify(legend));
  assert.is(new Set(legend.map(([c]) => c)).size, 10, 'a colour is used twice');
  assert.equal(legend.slice(0, 9).map(([, l]) => l.split(' (')[0]), names.slice(0, 9));
  assert.equal(legend[9], ['#7f7f7f', 'other (4 diagnoses) (38)']);
  assert.is(diagnosisGroup('melanoma (in situ)'), 'melanoma');
  assert.is(diagnosisGroup('reed or spitz nevus'), 'nevus');
  assert.is(diagnosisGroup('melanosis'), 'melanosis');
  assert.is(diagnosisGroup('seborrheic keratosis'), 'seborrheic keratosis');
});

test('helpers: nice ticks, viridis ends, bad input named', () => {
  assert.equal(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.equal(niceTicks(-3.7, 12.2, 6), [-2, 0, 2, 4, 6, 8, 10, 12]);
  assert.is(viridis(0), 'rgb(68,1,84)');
  assert.is(viridis(1), 'rgb(253,231,37)');
  assert.throws(() => categoricalScatterSvg([[0, 0]], ['a', 'b']), /1 points but 2 categories/);
  assert.throws(() => rocSvg([]), /no curves/);
});

test('files are written atomically: only the PNGs, no temp files left', () => {
  const left = [...readdirSync(dir), ...readdirSync(join(dir, 'embedding'))].filter((f) => f.endsWith('.tmp'));
  assert.equal(left, []);
  if (!keep) rmSync(dir, { recursive: true, force: true });
});

test.run();
