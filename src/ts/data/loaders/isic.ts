import { dirname, join } from 'node:path';
import { CefmError, UsageError } from '../../errors.js';
import { columnIndex, readTable, type Table } from '../csv.js';
import type { DatasetLoader, Sample } from '../spec.js';
import { checkOptions, DIAGNOSIS_CODES, parseBinary, ReportBuilder, stem, walkFiles, type FoundFile } from './common.js';

type Labels = Sample['labels'];

const IMAGE = /^ISIC_\d+(_downsampled)?\.(jpe?g|png)$/i;
const MASK = /^(ISIC_\d+)_segmentation\.png$/i;
const SPLIT_WORDS: Record<string, string> = { training: 'training', train: 'training', validation: 'validation', valid: 'validation', val: 'validation', test: 'test' };

/** training / validation / test from a path like `ISIC-2017_Training_Data/...`; undefined when it names none. */
function splitOf(rel: string): string | undefined {
  const m = /(training|validation|test)/i.exec(rel);
  return m ? m[1].toLowerCase() : undefined;
}

/**
 * ISIC challenge layouts (2016, 2017, 2018 task 1 and 3, 2019): `ISIC_<id>.jpg` images,
 * `ISIC_<id>_segmentation.png` / `_Segmentation.png` masks in a ground-truth folder, and label CSVs
 * found anywhere under the root (2017 `image_id,melanoma,seborrheic_keratosis`; 2018/2019 one-hot
 * `image,MEL,NV,...`; 2016 header-less `ISIC_<id>,benign|malignant|0|1`). Without a label CSV
 * (segmentation-only tasks) the samples are `unlabelled`. Option `split=training|validation|test`
 * picks one part of a root that holds several. A metadata CSV with a lesion_id column (2019) sets
 * each sample's `group`, so splits keep a lesion's images together.
 */
export const loadIsic: DatasetLoader = async (root, spec, source) => {
  checkOptions(spec, ['split']);
  let split: string | undefined;
  if (spec.options.split !== undefined) {
    split = SPLIT_WORDS[spec.options.split.toLowerCase()];
    if (!split) throw new UsageError(`--data ${spec.format}:${spec.path}: split must be training, validation or test, got '${spec.options.split}'`);
  }
  const all = await walkFiles(root, 3);
  const inSplit = (f: FoundFile) => !split || splitOf(f.rel) === undefined || splitOf(f.rel) === split;
  const images = all.filter((f) => IMAGE.test(f.name) && !/groundtruth/i.test(f.rel) && inSplit(f));
  const splits = [...new Set(images.map((f) => splitOf(f.rel)).filter((s) => s !== undefined))];
  if (!split && splits.length > 1) {
    throw new UsageError(`--data ${spec.format}:${spec.path}: the folder holds ${splits.join(', ')} images; pick one with ';split=${splits[0]}'`);
  }
  const imageById = new Map<string, string>();
  for (const f of images) if (!imageById.has(stem(f.name))) imageById.set(stem(f.name), f.path);

  const maskById = new Map<string, string>();
  for (const f of all) {
    const m = MASK.exec(f.name);
    if (m && inSplit(f) && !maskById.has(m[1])) maskById.set(m[1], f.path);
  }
  const maskDir = maskById.size ? dirname(maskById.values().next().value as string) : undefined;

  const labelFiles: string[] = [];
  const labelById = new Map<string, Labels>();
  const lesionById = new Map<string, string>();
  for (const f of all) {
    if (!/\.csv$/i.test(f.name) || !inSplit(f)) continue;
    const table = await readTable(f.path);
    const labels = await readIsicLabels(table);
    if (labels) {
      labelFiles.push(f.path);
      for (const [id, l] of labels) if (!labelById.has(id)) labelById.set(id, l);
    } else {
      // Metadata CSVs (age, sex, site) are not labels, but 2019's lesion_id keeps lesions together in splits.
      for (const [id, lesion] of lesionIds(table)) lesionById.set(id, lesion);
    }
  }

  const report = new ReportBuilder(spec.format, root);
  const samples: Sample[] = [];
  const addSample = (id: string, image: string, labels: Labels, unlabelled: boolean) => {
    const sample: Sample = { id, image, labels, source };
    if (unlabelled) sample.unlabelled = true;
    const lesion = lesionById.get(id);
    if (lesion) sample.group = lesion;
    const mask = maskById.get(id) ?? maskById.get(id.replace(/_downsampled$/i, ''));
    if (mask) sample.mask = mask;
    else if (maskDir) report.missingFile(join(maskDir, `${id}_segmentation.png`), `no mask for ${id}`);
    samples.push(sample);
    report.add(sample);
  };
  if (labelFiles.length === 0) {
    for (const [id, image] of imageById) addSample(id, image, { melanoma: 0 }, true);
  } else {
    for (const [id, labels] of labelById) {
      const image = imageById.get(id);
      if (image) addSample(id, image, labels, false);
      else report.missingFile(`${id}.jpg`, `listed in ${labelFiles.join(', ')}, no image found`);
    }
    for (const [id, image] of imageById) {
      if (!labelById.has(id)) report.missingFile(image, `no label in ${labelFiles.join(', ')}`);
    }
  }
  return { samples, report: report.build() };
};

/** Labels by image id from an ISIC ground-truth CSV, or undefined when the CSV is not one. */
async function readIsicLabels(table: Table): Promise<Map<string, Labels> | undefined> {
  const h = table.header;
  if (columnIndex(h, 'image_id') >= 0 && columnIndex(h, 'melanoma') >= 0) return labels2017(table);
  if (columnIndex(h, 'image') >= 0 && columnIndex(h, 'MEL') >= 0) return labelsOneHot(table);
  if (h.length === 2 && /^ISIC_\d+$/i.test(h[0])) return labels2016(await readTable(table.file, { header: false }));
  return undefined;
}

/** image id -> lesion_id from a metadata CSV that has both columns (ISIC 2019); empty otherwise. */
function lesionIds(table: Table): Map<string, string> {
  const idCol = columnIndex(table.header, 'image', 'image_id');
  const lesionCol = columnIndex(table.header, 'lesion_id');
  const out = new Map<string, string>();
  if (idCol < 0 || lesionCol < 0) return out;
  for (const row of table.rows) {
    const lesion = (row[lesionCol] ?? '').trim();
    if (lesion) out.set((row[idCol] ?? '').trim(), lesion);
  }
  return out;
}

function labels2017(table: Table): Map<string, Labels> {
  const idCol = columnIndex(table.header, 'image_id');
  const melCol = columnIndex(table.header, 'melanoma');
  const skCol = columnIndex(table.header, 'seborrheic_keratosis');
  const out = new Map<string, Labels>();
  table.rows.forEach((row, r) => {
    const melanoma = parseBinary(row[melCol] ?? '', table, r, 'melanoma');
    const sk = skCol >= 0 ? parseBinary(row[skCol] ?? '', table, r, 'seborrheic_keratosis') : undefined;
    if (melanoma && sk) throw new CefmError(`line ${table.lines[r]}: both melanoma and seborrheic_keratosis are 1`, { file: table.file });
    const diagnosis = melanoma ? 'melanoma' : sk ? 'seborrheic keratosis' : skCol >= 0 ? 'nevus' : 'other';
    out.set(row[idCol].trim(), sk === undefined ? { melanoma, diagnosis } : { melanoma, seborrheic_keratosis: sk, diagnosis });
  });
  return out;
}

/** 2018 task 3 / 2019: one 0/1 column per diagnosis code, exactly one 1 per row. */
function labelsOneHot(table: Table): Map<string, Labels> {
  const idCol = columnIndex(table.header, 'image');
  const codes = table.header.map((name, i) => ({ name, i })).filter(({ i }) => i !== idCol);
  const out = new Map<string, Labels>();
  table.rows.forEach((row, r) => {
    const hot = codes.filter(({ name, i }) => parseBinary(row[i] ?? '', table, r, name) === 1);
    if (hot.length !== 1) {
      throw new CefmError(`line ${table.lines[r]}: expected exactly one diagnosis column set to 1, found ${hot.length}`, { file: table.file });
    }
    const code = hot[0].name.toLowerCase();
    out.set(row[idCol].trim(), { melanoma: code === 'mel' ? 1 : 0, diagnosis: DIAGNOSIS_CODES[code] ?? code });
  });
  return out;
}

/** 2016 task 3: `ISIC_<id>,benign|malignant` (training) or `ISIC_<id>,0.0|1.0` (test), no header. */
function labels2016(table: Table): Map<string, Labels> {
  const out = new Map<string, Labels>();
  table.rows.forEach((row, r) => {
    const value = (row[1] ?? '').trim().toLowerCase();
    const melanoma = value === 'malignant' ? 1 : value === 'benign' ? 0 : parseBinary(value, table, r, '2');
    out.set(row[0].trim(), { melanoma, diagnosis: melanoma ? 'melanoma' : 'benign' });
  });
  return out;
}
