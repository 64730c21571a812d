import { join } from 'node:path';
import { CefmError, UsageError } from '../../errors.js';
import { readTable, requireColumn } from '../csv.js';
import type { DatasetLoader, Sample } from '../spec.js';
import { CaseInsensitiveResolver, checkOptions, ReportBuilder, stem, walkFiles } from './common.js';

/**
 * Derm7pt: `meta/meta.csv` (diagnosis, seven-point criteria, derm = image path under `images/`).
 * Every diagnosis starting with "melanoma" is melanoma. Paths are matched ignoring case where the
 * exact name is absent (the shared copy names `FCl/Fcl068.jpg` inside folder `FCL`). Option
 * `split=<name>` keeps the rows listed in `splits/<name>_indexes_filtered.csv` (zero-based rows).
 */
export const loadDerm7pt: DatasetLoader = async (root, spec, source) => {
  checkOptions(spec, ['split']);
  const resolver = new CaseInsensitiveResolver(root);
  const metaFile = await resolver.resolve('meta/meta.csv');
  if (!metaFile) throw new CefmError('no meta/meta.csv under the dataset folder', { file: root });
  const table = await readTable(metaFile);
  const diagnosisCol = requireColumn(table, 'diagnosis');
  const dermCol = requireColumn(table, 'derm');

  let rows = table.rows.map((_, r) => r);
  if (spec.options.split !== undefined) rows = await splitRows(root, spec.options.split, table.rows.length, `${spec.format}:${spec.path}`);

  const report = new ReportBuilder(spec.format, root);
  const samples: Sample[] = [];
  for (const r of rows) {
    const row = table.rows[r];
    const diagnosis = (row[diagnosisCol] ?? '').trim();
    const rel = (row[dermCol] ?? '').trim();
    if (!diagnosis || !rel) throw new CefmError(`line ${table.lines[r]}: empty diagnosis or derm`, { file: metaFile });
    const image = await resolver.resolve(`images/${rel}`);
    if (!image) {
      report.missingFile(join(root, 'images', rel), `row ${r} of meta.csv`);
      continue;
    }
    const lower = diagnosis.toLowerCase();
    const sample: Sample = {
      id: stem(rel.replace(/\\/g, '/')),
      image,
      labels: { melanoma: lower.startsWith('melanoma') ? 1 : 0, seborrheic_keratosis: lower === 'seborrheic keratosis' ? 1 : 0, diagnosis },
      source,
    };
    samples.push(sample);
    report.add(sample);
  }
  return { samples, report: report.build() };
};

/** Zero-based meta.csv rows listed in `splits/<name>_indexes_filtered.csv` (or `<name>.csv`). */
async function splitRows(root: string, name: string, rowCount: number, specText: string): Promise<number[]> {
  const files = await walkFiles(join(root, 'splits'), 0);
  const wanted = [`${name}_indexes_filtered.csv`, `${name}_indexes.csv`, `${name}.csv`].map((s) => s.toLowerCase());
  const file = files.find((f) => wanted.includes(f.name.toLowerCase()));
  if (!file) {
    const known = files.map((f) => f.name.replace(/(_indexes(_filtered)?)?\.csv$/i, '')).join(', ');
    throw new UsageError(`--data ${specText}: no split '${name}' (known: ${known || 'none'})`);
  }
  const table = await readTable(file.path);
  return table.rows.map((row, r) => {
    const index = Number((row[0] ?? '').trim());
    if (!Number.isInteger(index) || index < 0 || index >= rowCount) {
      throw new CefmError(`line ${table.lines[r]}: '${row[0]}' is not a row of meta.csv (0..${rowCount - 1})`, { file: file.path });
    }
    return index;
  });
}
