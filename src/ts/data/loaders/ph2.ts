import { CefmError } from '../../errors.js';
import { columnIndex, readTable, type Table } from '../csv.js';
import type { DatasetLoader, Sample } from '../spec.js';
import { checkOptions, ReportBuilder, walkFiles } from './common.js';

const IMAGE = /^(IMD\d+)\.bmp$/i;
const MASK = /^(IMD\d+)_lesion\.bmp$/i;
const CLASSES = ['common nevus', 'atypical nevus', 'melanoma'] as const;

/**
 * PH2: `IMDxxx/IMDxxx_Dermoscopic_Image/IMDxxx.bmp` with `IMDxxx_lesion/IMDxxx_lesion.bmp` masks
 * (24-bit and 1-bit BMP), and the labels table (PH2_dataset.xlsx exported as CSV or TSV) found under
 * the root: a header row with "Image Name" and either one "Clinical Diagnosis" column (0 common
 * nevus, 1 atypical nevus, 2 melanoma) or the three columns "Common Nevus", "Atypical Nevus",
 * "Melanoma" marked with X (their names may sit on the row below, as in the spreadsheet).
 */
export const loadPh2: DatasetLoader = async (root, spec, source) => {
  checkOptions(spec, []);
  const files = await walkFiles(root, 4);
  const imageById = new Map<string, string>();
  const maskById = new Map<string, string>();
  for (const f of files) {
    const image = IMAGE.exec(f.name);
    const mask = MASK.exec(f.name);
    if (image && !imageById.has(image[1].toUpperCase())) imageById.set(image[1].toUpperCase(), f.path);
    if (mask && !maskById.has(mask[1].toUpperCase())) maskById.set(mask[1].toUpperCase(), f.path);
  }
  let labels: { table: string; byId: Map<string, string> } | undefined;
  for (const f of files) {
    if (!/\.(csv|tsv|txt)$/i.test(f.name)) continue;
    const byId = readPh2Labels(await readTable(f.path, { header: false }));
    if (byId) {
      labels = { table: f.path, byId };
      break;
    }
  }
  if (!labels) throw new CefmError('no PH2 labels table (CSV/TSV with an "Image Name" column) under the dataset folder', { file: root });

  const report = new ReportBuilder(spec.format, root);
  const samples: Sample[] = [];
  for (const [id, diagnosis] of labels.byId) {
    const image = imageById.get(id);
    if (!image) {
      report.missingFile(`${id}/${id}_Dermoscopic_Image/${id}.bmp`, `listed in ${labels.table}, no image found`);
      continue;
    }
    const sample: Sample = { id, image, labels: { melanoma: diagnosis === 'melanoma' ? 1 : 0, diagnosis }, source };
    const mask = maskById.get(id);
    if (mask) sample.mask = mask;
    else report.missingFile(`${id}/${id}_lesion/${id}_lesion.bmp`, `no mask for ${id}`);
    samples.push(sample);
    report.add(sample);
  }
  for (const [id, image] of imageById) if (!labels.byId.has(id)) report.missingFile(image, `no label in ${labels.table}`);
  return { samples, report: report.build() };
};

/** Diagnosis by image id (upper case), or undefined when the table has no "Image Name" header. */
function readPh2Labels(raw: Table): Map<string, string> | undefined {
  const headerRow = raw.rows.findIndex((row) => columnIndex(row, 'image name') >= 0);
  if (headerRow < 0) return undefined;
  let header = raw.rows[headerRow];
  let firstData = headerRow + 1;
  // Spreadsheet exports put the class names under a merged "Clinical Diagnosis" cell.
  const below = raw.rows[headerRow + 1];
  if (below && columnIndex(below, 'melanoma') >= 0) {
    header = header.map((name, i) => (below[i]?.trim() ? below[i] : name));
    firstData++;
  }
  const idCol = columnIndex(header, 'image name');
  const classCols = CLASSES.map((c) => columnIndex(header, c));
  const clinicalCol = columnIndex(header, 'clinical diagnosis');
  if (classCols.some((c) => c < 0) && clinicalCol < 0) {
    throw new CefmError('PH2 table has neither a "Clinical Diagnosis" column nor "Common Nevus", "Atypical Nevus", "Melanoma" columns', { file: raw.file });
  }
  const out = new Map<string, string>();
  for (let r = firstData; r < raw.rows.length; r++) {
    const row = raw.rows[r];
    const id = (row[idCol] ?? '').trim().toUpperCase();
    if (!/^IMD\d+$/.test(id)) continue; // footnotes and blank spreadsheet rows
    let diagnosis: string | undefined;
    if (classCols.every((c) => c >= 0)) {
      const marked = CLASSES.filter((_, k) => /^(x|1)$/i.test((row[classCols[k]] ?? '').trim()));
      if (marked.length === 1) diagnosis = marked[0];
    } else {
      const value = (row[clinicalCol] ?? '').trim().toLowerCase();
      diagnosis = /^[012]$/.test(value) ? CLASSES[Number(value)] : CLASSES.find((c) => c === value);
    }
    if (!diagnosis) throw new CefmError(`line ${raw.lines[r]}: cannot read the clinical diagnosis of ${id}`, { file: raw.file });
    out.set(id, diagnosis);
  }
  return out;
}
