// Validation of the ABC dermoscopic colours against expert annotations, and the melanoma AUC of the
// colour count. Derm7pt (meta.csv: blue_whitish_veil, regression_structures, pigmentation) has no
// masks: its lesions are segmented automatically (src/ts/concepts/abc-auto-mask.ts). Presence thresholds are
// calibrated on Derm7pt's train split only and reported on its test split; the ISIC sets are never
// used for calibration. Writes bench/results/abc-colour-validation.md.
//
//   npx tsc -p . && node dist/bench/abc-colour-validation.js [--json features.json] [--quick]
//   --quick: Derm7pt train only (developing definitions without seeing test or ISIC).
import { join } from 'node:path';
import { writeFileAtomic } from '../src/ts/atomic.js';
import { abcConstants, type AbcMeasurement, COLOR_NAMES, type ColorName, measureAbc } from '../src/ts/concepts/abc.js';
import { readTable, requireColumn } from '../src/ts/data/csv.js';
import { autoLesionMask } from '../src/ts/concepts/abc-auto-mask.js';
import { readMask, readRgb } from '../src/ts/data/image.js';
import { CaseInsensitiveResolver } from '../src/ts/data/loaders/common.js';
import { packageRoot } from '../src/ts/paths.js';
import { bootstrapInterval, rocAuc } from './roc.js';

const DATA = join(packageRoot, '..', 'shared', 'data');
const DERM7PT = join(DATA, 'derm7pt');
const SPLIT = 'asymmetric'; // Derm7pt+'s filtered splits: <SPLIT>_train (calibration), <SPLIT>_test (report)
const outFile = join(packageRoot, 'bench', 'results', 'abc-colour-validation.md');

interface Measured {
  id: string;
  melanoma: number;
  fractions: Record<ColorName, number>;
  count: number;
  illuminant: number[];
  skinLab: number[];
  skinLike: number;
  split?: 'train' | 'valid' | 'test';
  criteria?: Record<string, string>;
}

function record(id: string, melanoma: number, m: AbcMeasurement): Measured {
  return { id, melanoma, fractions: m.color_fractions, count: m.color_count, illuminant: m.illuminant, skinLab: m.skin_lab, skinLike: m.skin_like_fraction };
}

async function derm7pt(only?: Measured['split']): Promise<Measured[]> {
  const resolver = new CaseInsensitiveResolver(DERM7PT);
  const table = await readTable(join(DERM7PT, 'meta', 'meta.csv'));
  const col = (name: string) => requireColumn(table, name);
  const criteriaCols = ['pigmentation', 'regression_structures', 'blue_whitish_veil'].map((c) => [c, col(c)] as const);
  const split = new Map<number, Measured['split']>();
  for (const part of ['train', 'valid', 'test'] as const) {
    const t = await readTable(join(DERM7PT, 'splits', `${SPLIT}_${part}_indexes_filtered.csv`));
    for (const row of t.rows) split.set(Number(row[0]), part);
  }
  const out: Measured[] = [];
  for (let r = 0; r < table.rows.length; r++) {
    if (only && split.get(r) !== only) continue;
    const row = table.rows[r];
    const file = await resolver.resolve(`images/${row[col('derm')]}`);
    if (!file) {
      process.stderr.write(`derm7pt: row ${r}: ${row[col('derm')]} not found, skipped\n`);
      continue;
    }
    const image = await readRgb(file);
    try {
      const m = record(row[col('derm')], row[col('diagnosis')].toLowerCase().startsWith('melanoma') ? 1 : 0, await measureAbc(image, autoLesionMask(image), { file }));
      m.split = split.get(r);
      m.criteria = Object.fromEntries(criteriaCols.map(([c, i]) => [c, row[i]]));
      out.push(m);
    } catch (e) {
      process.stderr.write(`${(e as Error).message.split('\n')[0]} (${file}), skipped\n`);
    }
  }
  return out;
}

async function isic(folder: string): Promise<Measured[]> {
  const root = join(DATA, folder);
  const table = await readTable(join(root, 'ISIC-2017_Training_Part3_GroundTruth.csv'));
  const idCol = requireColumn(table, 'image_id'), melCol = requireColumn(table, 'melanoma');
  const out: Measured[] = [];
  for (const row of table.rows) {
    const id = row[idCol];
    const image = await readRgb(join(root, 'ISIC-2017_Training_Data', `${id}.jpg`));
    const mask = await readMask(join(root, 'ISIC-2017_Training_Part1_GroundTruth', `${id}_segmentation.png`), image);
    out.push(record(id, Number(row[melCol]) >= 0.5 ? 1 : 0, await measureAbc(image, mask)));
  }
  return out;
}

// Expert annotations the colours should predict (Derm7pt meta.csv values).
const TARGETS: { colour: ColorName; name: string; positive: (c: Record<string, string>) => boolean }[] = [
  { colour: 'blue_gray', name: 'blue-whitish veil present', positive: (c) => c.blue_whitish_veil === 'present' },
  { colour: 'blue_gray', name: 'regression: blue areas or combinations', positive: (c) => /blue|combination/.test(c.regression_structures) },
  { colour: 'blue_gray', name: 'veil or blue regression', positive: (c) => c.blue_whitish_veil === 'present' || /blue|combination/.test(c.regression_structures) },
  { colour: 'white', name: 'regression: white areas or combinations', positive: (c) => /white|combination/.test(c.regression_structures) },
  { colour: 'black', name: 'pigmentation (blotches) irregular', positive: (c) => /irregular/.test(c.pigmentation) },
  { colour: 'dark_brown', name: 'pigmentation (blotches) any', positive: (c) => c.pigmentation !== 'absent' },
];

// From 1%: below it a colour is a few pixels, at the level of segmentation and JPEG noise.
const GRID = [0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3];

function rates(pred: boolean[], labels: number[]) {
  let tp = 0, fn = 0, tn = 0, fp = 0;
  pred.forEach((p, i) => (labels[i] ? (p ? tp++ : fn++) : p ? fp++ : tn++));
  return { sens: tp / (tp + fn), spec: tn / (tn + fp) };
}

/** The presence fraction with the highest Youden J (sensitivity + specificity - 1) on these items. */
function youdenThreshold(scores: number[], labels: number[]): number {
  let best = GRID[0], bestJ = -2;
  for (const t of GRID) {
    const { sens, spec } = rates(scores.map((s) => s >= t), labels);
    if (sens + spec - 1 > bestJ) bestJ = sens + spec - 1, best = t;
  }
  return best;
}

const countAuc = (items: Measured[], t: number[]) =>
  rocAuc(items.map((d) => COLOR_NAMES.filter((c, i) => d.fractions[c] >= t[i]).length), items.map((d) => d.melanoma));

/**
 * Presence fractions for the colour count: coordinate ascent on the melanoma AUC of color_count
 * over GRID, one colour at a time (white ... black), three rounds, from 10% for every colour.
 */
function countThresholds(items: Measured[]): number[] {
  const t = COLOR_NAMES.map(() => 0.1);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < t.length; i++) {
      let best = t[i], bestAuc = countAuc(items, t);
      for (const g of GRID) {
        const trial = t.map((v, j) => (j === i ? g : v));
        const a = countAuc(items, trial);
        if (a > bestAuc + 1e-9) bestAuc = a, best = g;
      }
      t[i] = best;
    }
  }
  return t;
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
const aucText = (scores: number[], labels: number[]) => {
  const [lo, hi] = bootstrapInterval(scores, labels);
  return `${rocAuc(scores, labels).toFixed(3)} (${lo.toFixed(2)}-${hi.toFixed(2)})`;
};

async function main() {
  const jsonOut = process.argv.indexOf('--json');
  const k = abcConstants();
  // --quick: Derm7pt's train split only, for developing the colour definitions without seeing the rest.
  const quick = process.argv.includes('--quick');
  const derm = await derm7pt(quick ? 'train' : undefined);
  const isic2000 = quick ? [] : await isic('isic2017-2000');
  const isic150 = quick ? [] : await isic('isic2017-sample');
  if (jsonOut > 0) writeFileAtomic(process.argv[jsonOut + 1], JSON.stringify({ derm, isic2000, isic150 }));
  const train = derm.filter((d) => d.split === 'train');
  const test = quick ? train : derm.filter((d) => d.split === 'test'); // --quick reports on train: a development view only
  const present = (m: Measured, c: ColorName) => m.fractions[c] >= presentFraction(k, c);

  const lines: string[] = [];
  lines.push('# ABC colours against expert annotations', '');
  lines.push(`Derm7pt: ${derm.length} images, split \`${SPLIT}\` (train ${train.length}, test ${test.length}); masks: automatic ` +
    '(bench/abc-colour-validation.ts, autoLesionMask: shades-of-grey, Otsu on grey within the central field, largest component, holes filled). ' +
    'Thresholds "train" are the presence fractions with the best Youden J on the train split; sensitivity / specificity are on the test split. ' +
    'AUC: of the colour fraction, on the test split, with a 95% bootstrap interval.', '');
  lines.push('| colour | expert annotation (Derm7pt) | positives train / test | AUC of fraction, test | threshold (train) | sens / spec, test | in use | sens / spec, test, in use |', '|---|---|---|---|---|---|---|---|');
  for (const t of TARGETS) {
    const trL = train.map((d) => (t.positive(d.criteria!) ? 1 : 0)), teL = test.map((d) => (t.positive(d.criteria!) ? 1 : 0));
    const trS = train.map((d) => d.fractions[t.colour]), teS = test.map((d) => d.fractions[t.colour]);
    const thr = youdenThreshold(trS, trL);
    const cal = rates(teS.map((s) => s >= thr), teL);
    const used = rates(test.map((d) => present(d, t.colour)), teL);
    lines.push(`| ${t.colour} | ${t.name} | ${trL.filter(Boolean).length} / ${teL.filter(Boolean).length} | ${aucText(teS, teL)} | ${thr} | ` +
      `${pct(cal.sens)} / ${pct(cal.spec)} | ${presentFraction(k, t.colour)} | ${pct(used.sens)} / ${pct(used.spec)} |`);
  }
  lines.push('', '## Colour constancy', '');
  const medianOf = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  lines.push(`Median shades-of-grey skin illuminant over Derm7pt train (linear sRGB): (${[0, 1, 2].map((c) => medianOf(train.map((d) => d.illuminant[c])).toFixed(3)).join(', ')}); ` +
    `in use: (${k.canonical_illuminant.join(', ')}). Median skin CIELAB after correction: (${[0, 1, 2].map((c) => medianOf(train.map((d) => d.skinLab[c])).toFixed(1)).join(', ')}); ` +
    `median skin-coloured share of the lesion: ${medianOf(train.map((d) => d.skinLike)).toFixed(3)}.`);
  lines.push('', '## Melanoma AUC of color_count', '');
  lines.push('| data | images (melanoma) | AUC of color_count (95% interval) | mean count, melanoma / other |', '|---|---|---|---|');
  const sets: [string, Measured[]][] = [
    [`Derm7pt test (${SPLIT}), automatic masks`, test], ['Derm7pt all, automatic masks', derm],
    ['ISIC 2017, 2000 images 256x256, expert masks', isic2000], ['ISIC 2017 sample, 150 images 800x500, expert masks', isic150],
  ];
  for (const [name, items] of sets) {
    if (!items.length) continue;
    const labels = items.map((d) => d.melanoma), counts = items.map((d) => d.count);
    const mean = (sel: number) => counts.filter((_, i) => labels[i] === sel).reduce((a, b) => a + b, 0) / labels.filter((l) => l === sel).length;
    lines.push(`| ${name} | ${items.length} (${labels.filter(Boolean).length}) | ${aucText(counts, labels)} | ${mean(1).toFixed(2)} / ${mean(0).toFixed(2)} |`);
  }
  const calibrated = countThresholds(train);
  lines.push('', `Presence fractions calibrated for the count on Derm7pt train (bench: countThresholds): ${COLOR_NAMES.map((c, i) => `${c} ${calibrated[i]}`).join(', ')} ` +
    `(train AUC ${countAuc(train, calibrated).toFixed(3)}); in use: ${COLOR_NAMES.map((c) => `${c} ${presentFraction(k, c)}`).join(', ')}.`);
  lines.push('', '## How often each colour is present', '');
  lines.push(`| data | ${COLOR_NAMES.join(' | ')} |`, `|---|${COLOR_NAMES.map(() => '---|').join('')}`);
  for (const [name, items] of sets) if (items.length) lines.push(`| ${name} | ${COLOR_NAMES.map((c) => pct(items.filter((d) => present(d, c)).length / items.length)).join(' | ')} |`);
  writeFileAtomic(outFile, `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n\nwritten to ${outFile}\n`);
}

/** The presence fraction the measurement uses for colour c. */
function presentFraction(k: ReturnType<typeof abcConstants>, c: ColorName): number {
  return k.color_present_fractions[c];
}

main().catch((e) => {
  process.stderr.write(`abc-colour-validation: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
