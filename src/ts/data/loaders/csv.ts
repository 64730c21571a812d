import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { CefmError } from '../../errors.js';
import { columnIndex, readTable } from '../csv.js';
import type { DatasetLoader, Sample } from '../spec.js';
import { CaseInsensitiveResolver, checkOptions, isMelanomaName, isSeborrheicKeratosisName, ReportBuilder, stem, walkFiles } from './common.js';

const EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.bmp'];

/**
 * A CSV (or TSV) of `image,label[,mask]` rows: `csv:<file.csv>` or `csv:<folder>` holding one CSV.
 * A header naming columns image (or file/path/image_id) and label (or diagnosis/class/dx) is used when
 * present, else the columns are taken in that order. Paths are relative to the CSV's folder or to
 * option `images=<folder>`, may omit the extension, and are matched ignoring case where needed.
 * Labels are class names ('melanoma...'/'mel' are melanoma) or 0/1 melanoma flags.
 */
export const loadCsvDataset: DatasetLoader = async (root, spec, source) => {
  checkOptions(spec, ['images']);
  const csvFile = await findCsv(root);
  const imagesRoot = spec.options.images ? resolve(spec.options.images) : dirname(csvFile);
  const table = await readTable(csvFile, { header: false });
  const first = table.rows[0] ?? [];
  let imageCol = columnIndex(first, 'image', 'file', 'path', 'image_id', 'filename');
  let labelCol = columnIndex(first, 'label', 'diagnosis', 'class', 'dx');
  let maskCol = columnIndex(first, 'mask', 'segmentation');
  const hasHeader = imageCol >= 0 && labelCol >= 0;
  if (!hasHeader) [imageCol, labelCol, maskCol] = [0, 1, first.length >= 3 ? 2 : -1];
  const rows = hasHeader ? table.rows.slice(1) : table.rows;
  const lines = hasHeader ? table.lines.slice(1) : table.lines;

  const labels = rows.map((row, r) => {
    const label = (row[labelCol] ?? '').trim();
    if (!label) throw new CefmError(`line ${lines[r]}: empty label`, { file: csvFile });
    return label;
  });
  const binary = labels.every((l) => Number(l) === 0 || Number(l) === 1);
  const hasSk = !binary && labels.some(isSeborrheicKeratosisName);

  const resolver = new CaseInsensitiveResolver(imagesRoot);
  const report = new ReportBuilder(spec.format, root);
  const samples: Sample[] = [];
  for (let r = 0; r < rows.length; r++) {
    const imageValue = (rows[r][imageCol] ?? '').trim();
    const image = imageValue ? await findFile(resolver, imageValue) : undefined;
    if (!image) {
      report.missingFile(imageValue ? join(imagesRoot, imageValue) : `line ${lines[r]}`, `line ${lines[r]} of ${csvFile}`);
      continue;
    }
    const label = labels[r];
    const sampleLabels: Sample['labels'] = binary
      ? { melanoma: Number(label) === 1 ? 1 : 0, diagnosis: Number(label) === 1 ? 'melanoma' : 'other' }
      : { melanoma: isMelanomaName(label) ? 1 : 0, diagnosis: label };
    if (hasSk) sampleLabels.seborrheic_keratosis = isSeborrheicKeratosisName(label) ? 1 : 0;
    const sample: Sample = { id: stem(imageValue), image, labels: sampleLabels, source };
    const maskValue = maskCol >= 0 ? (rows[r][maskCol] ?? '').trim() : '';
    if (maskValue) {
      const mask = await findFile(resolver, maskValue);
      if (mask) sample.mask = mask;
      else report.missingFile(join(imagesRoot, maskValue), `mask on line ${lines[r]} of ${csvFile}`);
    }
    samples.push(sample);
    report.add(sample);
  }
  return { samples, report: report.build() };
};

/** The CSV itself, or the single .csv/.tsv in a folder. */
async function findCsv(root: string): Promise<string> {
  if ((await stat(root)).isFile()) return root;
  const tables = (await walkFiles(root, 0)).filter((f) => /\.(csv|tsv)$/i.test(f.name));
  if (tables.length !== 1) {
    throw new CefmError(`expected one CSV in the folder, found ${tables.length}${tables.length ? ` (${tables.map((t) => t.name).join(', ')})` : ''}: name the file`, { file: root });
  }
  return tables[0].path;
}

/** An absolute path, or one under the resolver's root; without an extension, try the image ones. */
async function findFile(resolver: CaseInsensitiveResolver, value: string): Promise<string | undefined> {
  if (isAbsolute(value)) {
    const info = await stat(value).catch(() => undefined);
    return info?.isFile() ? value : undefined;
  }
  const found = await resolver.resolve(value);
  if (found || /\.[a-z0-9]{2,5}$/i.test(value)) return found;
  for (const ext of EXTENSIONS) {
    const withExt = await resolver.resolve(value + ext);
    if (withExt) return withExt;
  }
  return undefined;
}
