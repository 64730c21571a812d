import { CefmError } from '../../errors.js';
import { readTable, requireColumn } from '../csv.js';
import type { DatasetLoader, Sample } from '../spec.js';
import { checkOptions, DIAGNOSIS_CODES, ReportBuilder, stem, walkFiles } from './common.js';

const METADATA = /^HAM10000_metadata(\.csv|\.tab|\.tsv)?$/i;
const IMAGE = /^ISIC_\d+\.(jpe?g|png)$/i;
const MASK = /^(ISIC_\d+)_segmentation\.png$/i;

/**
 * HAM10000: `HAM10000_metadata.csv` (lesion_id,image_id,dx,...) and the images in any folders under
 * the root (`HAM10000_images_part_1/`, `_part_2/`); masks (`ISIC_<id>_segmentation.png`, from the
 * HAM10000 segmentation release) when present. Each sample's `group` is its lesion_id so splits keep
 * all images of one lesion together.
 */
export const loadHam10000: DatasetLoader = async (root, spec, source) => {
  checkOptions(spec, []);
  const files = await walkFiles(root, 3);
  const metadata = files.find((f) => METADATA.test(f.name));
  if (!metadata) throw new CefmError('no HAM10000_metadata.csv under the dataset folder', { file: root });
  const table = await readTable(metadata.path);
  const lesionCol = requireColumn(table, 'lesion_id');
  const imageCol = requireColumn(table, 'image_id');
  const dxCol = requireColumn(table, 'dx');

  const imageById = new Map<string, string>();
  const maskById = new Map<string, string>();
  for (const f of files) {
    const mask = MASK.exec(f.name);
    if (mask) {
      if (!maskById.has(mask[1])) maskById.set(mask[1], f.path);
    } else if (IMAGE.test(f.name) && !imageById.has(stem(f.name))) imageById.set(stem(f.name), f.path);
  }

  const report = new ReportBuilder(spec.format, root);
  const samples: Sample[] = [];
  table.rows.forEach((row, r) => {
    const id = (row[imageCol] ?? '').trim();
    const dx = (row[dxCol] ?? '').trim().toLowerCase();
    if (!id || !dx) throw new CefmError(`line ${table.lines[r]}: empty image_id or dx`, { file: table.file });
    const image = imageById.get(id);
    if (!image) {
      report.missingFile(`${id}.jpg`, `listed in ${metadata.name}, no image found`);
      return;
    }
    const sample: Sample = {
      id,
      image,
      labels: { melanoma: dx === 'mel' ? 1 : 0, diagnosis: DIAGNOSIS_CODES[dx] ?? dx },
      source,
      group: (row[lesionCol] ?? '').trim() || id,
    };
    const mask = maskById.get(id);
    if (mask) sample.mask = mask;
    else if (maskById.size) report.missingFile(`${id}_segmentation.png`, `no mask for ${id}`);
    samples.push(sample);
    report.add(sample);
  });
  return { samples, report: report.build() };
};
