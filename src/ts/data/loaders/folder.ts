import { basename } from 'node:path';
import { CefmError } from '../../errors.js';
import type { DatasetLoader, Sample } from '../spec.js';
import { checkOptions, IMAGE_FILE, isMelanomaName, isSeborrheicKeratosisName, ReportBuilder, stem, walkFiles } from './common.js';

/**
 * `root/<class>/*.{jpg,png,...}`: the folder name is the diagnosis; 'melanoma...' or 'mel' folders are
 * melanoma. When one class is seborrheic keratosis ('seborrheic_keratosis', 'sk') every sample gets
 * that label too.
 */
export const loadFolder: DatasetLoader = async (root, spec, source) => {
  checkOptions(spec, []);
  const files = (await walkFiles(root, 1)).filter((f) => f.rel.includes('/') && IMAGE_FILE.test(f.name));
  if (files.length === 0) throw new CefmError('no images in class folders (expected root/<class>/<image>.jpg)', { file: root });
  const classes = new Set(files.map((f) => f.rel.split('/')[0]));
  const hasSk = [...classes].some(isSeborrheicKeratosisName);
  const report = new ReportBuilder(spec.format, root);
  const samples: Sample[] = [];
  for (const f of files) {
    const diagnosis = f.rel.split('/')[0];
    const labels: Sample['labels'] = { melanoma: isMelanomaName(diagnosis) ? 1 : 0, diagnosis };
    if (hasSk) labels.seborrheic_keratosis = isSeborrheicKeratosisName(diagnosis) ? 1 : 0;
    const sample: Sample = { id: `${diagnosis}/${stem(basename(f.name))}`, image: f.path, labels, source };
    samples.push(sample);
    report.add(sample);
  }
  return { samples, report: report.build() };
};
