// The words of the explain report, shared by the text, Markdown and HTML renderers: a list of sections
// built from the report by fixed templates (same report, same words). Every number goes through
// formatNumber / formatPercent of a value in the report, and only those: the grounding test checks it.
import {
  type AsymmetryDrivers, type BorderDrivers, type ColorDrivers, type CriterionReport, type ExplainReport,
  formatNumber as num, formatPercent as pct,
} from './report.js';

export interface ReportRow {
  label: string;
  value: string;
}

export interface ReportSection {
  id: string;
  title: string;
  paragraphs: string[];
  /** A two-column table (measured values, prototypes). */
  rows?: ReportRow[];
  /** Set on the A, B, C sections: the criterion they describe. */
  criterion?: CriterionReport;
}

/** Colours below the presence threshold are still named from this share of the lesion (traces). */
export const TRACE_FRACTION = 0.005;

/** Below this size a criterion's agreement reads as "hardly depends on it"; at 5x it reads "strongly". */
export const AGREEMENT_NEUTRAL = 0.005;

const CRITERION_TITLES: Record<CriterionReport['key'], string> = { asymmetry: 'A. Asymmetry', border: 'B. Border', color: 'C. Colour' };

/** Plain names of the measured values (docs/abc.md defines each). No digits except in symbols like B2. */
const VALUE_LABELS: Record<string, string> = {
  A: 'A, grey-level difference to the mirror image',
  asymmetry_index_major: 'asymmetry index about the major axis',
  asymmetry_index_minor: 'asymmetry index about the minor axis',
  asymmetry_axes: 'asymmetric axes',
  B2: 'B2, mean border curvature (per px)',
  border_score: 'abrupt border sectors (border score)',
  compactness: 'compactness',
  fractal_dimension: 'fractal dimension of the border',
  sigma_h: 'hue spread (sigma H)',
  sigma_s: 'saturation spread (sigma S)',
  sigma_v: 'brightness spread (sigma V)',
  color_count: 'colours present',
};

export const valueLabel = (key: string): string => VALUE_LABELS[key] ?? key.replace(/_/g, ' ');
export const colourName = (name: string): string => (name === 'blue_gray' ? 'blue-gray' : name.replace(/_/g, ' '));

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function severitySentence(c: CriterionReport): string {
  const s = c.severity, q = s.quantiles;
  const v = c.values[s.feature];
  const subject = v === undefined ? valueLabel(s.feature) : `${s.feature} = ${num(v)}`;
  let where: string;
  if (q.length === 0) where = '';
  else if (s.level <= 0) where = `${subject} is below the lowest training quintile edge, ${num(q[0])}`;
  else if (s.level >= q.length) where = `${subject} is above the highest training quintile edge, ${num(q[q.length - 1])}`;
  else where = `${subject} lies between the training quintile edges ${num(q[s.level - 1])} and ${num(q[s.level])}`;
  return `Severity: ${s.name}, relative to the training lesions${where ? ` (${where})` : ''}.`;
}

function asymmetryDrivers(d: AsymmetryDrivers): string {
  const other = d.most_asymmetric_axis === 'major' ? 'minor' : 'major';
  const asymmetric = d.asymmetric_axes <= 0 ? 'neither axis is asymmetric'
    : d.asymmetric_axes === 1 ? `only the ${d.most_asymmetric_axis} axis is asymmetric`
    : 'both axes are asymmetric';
  return `The lesion is least symmetric about its ${d.most_asymmetric_axis} axis (asymmetry index ${num(d.axis_indices[d.most_asymmetric_axis])}, ` +
    `against ${num(d.axis_indices[other])} about the ${other} axis). An axis counts as asymmetric above ${num(d.threshold)}: ${asymmetric}.`;
}

function borderDrivers(d: BorderDrivers): string {
  if (d.sector_count <= 0) return 'No border sector is abrupt: the lesion fades gradually into the skin all round.';
  const where = d.abrupt_sectors.length ? `: ${d.abrupt_sectors.join(', ')} (compass directions from the lesion centre, N = up)` : '';
  return `The border is abrupt in ${num(d.sector_count)} of its eight sectors${where}; elsewhere it fades gradually.`;
}

function colorDrivers(d: ColorDrivers): string {
  const present = d.colors.filter((c) => c.present).sort((a, b) => b.fraction - a.fraction);
  const traces = d.colors.filter((c) => !c.present && c.fraction >= TRACE_FRACTION).sort((a, b) => b.fraction - a.fraction);
  const share = (c: { name: string; fraction: number }) => `${colourName(c.name)} ${pct(c.fraction)}`;
  const first = present.length
    ? `Colours present (share of the lesion): ${list(present.map(share))}.`
    : 'None of the six dermoscopic colours covers enough of the lesion to count as present.';
  return traces.length ? `${first} Below the presence threshold: ${list(traces.map(share))}.` : first;
}

function agreementSentence(c: CriterionReport): string {
  const a = c.agreement, strong = Math.abs(a) >= 5 * AGREEMENT_NEUTRAL;
  const verdict = Math.abs(a) < AGREEMENT_NEUTRAL ? 'the image embedding hardly depends on this evidence'
    : a > 0 ? `the image embedding ${strong ? 'strongly ' : ''}supports this evidence`
    : `the image embedding ${strong ? 'clearly ' : ''}leans against this evidence`;
  return `Agreement with the image model: ${num(a)} (how much the image-clinical cosine drops when these features are set to the training mean): ${verdict}.`;
}

function criterionSection(c: CriterionReport): ReportSection {
  const d = c.drivers;
  const drivers = d.kind === 'asymmetry' ? asymmetryDrivers(d) : d.kind === 'border' ? borderDrivers(d) : colorDrivers(d);
  return {
    id: c.key,
    title: CRITERION_TITLES[c.key],
    paragraphs: [severitySentence(c), drivers, agreementSentence(c)],
    rows: Object.entries(c.values).map(([k, v]) => ({ label: valueLabel(k), value: num(v) })),
    criterion: c,
  };
}

function diagnosisSection(r: ExplainReport): ReportSection {
  const d = r.diagnosis;
  const paragraphs = [
    `Melanoma probability: ${pct(d.melanoma_probability)}, so the label is ${d.label.toUpperCase()} (melanoma from ${pct(d.threshold)}).`,
  ];
  const others = [`the clinical ABC features alone give ${pct(d.clinical_melanoma_probability)}`];
  if (d.multitask_melanoma_probability !== null) others.push(`the multi-task image network gives ${pct(d.multitask_melanoma_probability)}`);
  paragraphs.push(`For comparison, ${list(others)}.`);
  if (d.seborrheic_keratosis_probability !== null) paragraphs.push(`Seborrheic keratosis probability: ${pct(d.seborrheic_keratosis_probability)}.`);
  const maskFrom = r.mask.source === 'given' ? 'given with the image' : 'predicted by the multi-task network';
  paragraphs.push(`Lesion mask: ${maskFrom}; the lesion covers ${pct(r.mask.area_fraction)} of the ${num(r.image.width)} x ${num(r.image.height)} px image.`);
  return { id: 'diagnosis', title: 'Diagnosis', paragraphs };
}

function prototypesSection(r: ExplainReport): ReportSection {
  if (!r.prototypes.length) return { id: 'prototypes', title: 'Nearest training lesions', paragraphs: ['The model stores no training prototypes.'] };
  return {
    id: 'prototypes',
    title: 'Nearest training lesions',
    paragraphs: ['The labelled training lesions whose aligned embeddings are closest to this one (cosine similarity, nearest first):'],
    rows: r.prototypes.map((p) => ({ label: `${p.id}: ${p.diagnosis}`, value: num(p.similarity) })),
  };
}

function summarySection(r: ExplainReport): ReportSection {
  const s = r.summary, d = r.diagnosis;
  const says = (yes: boolean) => (yes ? 'melanoma' : 'not melanoma');
  const image = `the image model says ${says(s.image_says_melanoma)} (${pct(d.melanoma_probability)})`;
  const clinical = `the clinical ABC evidence says ${says(s.clinical_says_melanoma)} (${pct(d.clinical_melanoma_probability)})`;
  const verdict = s.agree
    ? `The clinical evidence and the image model agree: ${image} and ${clinical}.`
    : `The clinical evidence and the image model disagree: ${image}, but ${clinical}. A disagreement is a reason to look more closely, not a tie-breaker.`;
  const a = r.alignment;
  const scale = a.matched_mean === null ? '' : ` (matched training pairs average ${num(a.matched_mean)})`;
  return {
    id: 'summary',
    title: 'Summary',
    paragraphs: [verdict, `Cosine between the image and clinical embeddings: ${num(a.cosine)}${scale}.`, r.disclaimer],
  };
}

/** The report's sections in reading order: diagnosis, A, B, C, prototypes, summary. */
export function reportSections(r: ExplainReport): ReportSection[] {
  return [diagnosisSection(r), ...r.criteria.map(criterionSection), prototypesSection(r), summarySection(r)];
}

export const reportTitle = (r: ExplainReport): string => `Lesion report: ${r.file}`;

/** The small print under the report: models and time taken. */
export function footerLines(r: ExplainReport): string[] {
  const models = `Models: CEFM ${r.models.cefm}${r.models.multitask === null ? '' : `; multi-task ${r.models.multitask}`}.`;
  const steps = Object.entries(r.timing_ms).map(([k, v]) => `${k} ${num(v)} ms`);
  return steps.length ? [models, `Time taken: ${steps.join(', ')}.`] : [models];
}
