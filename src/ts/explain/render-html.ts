// The explain report as one self-contained HTML page: no network, no scripts; the overlay inlined as a
// data: URI, and each measured ABC value drawn against its training distribution (inline SVG).
import { COLOR_NAMES } from '../concepts/abc.js';
import { CLASS_COLOURS } from '../concepts/abc-overlay.js';
import { type CriterionReport, type ExplainReport, formatNumber as num, formatPercent as pct, SEVERITY_NAMES } from './report.js';
import { colourName, footerLines, type ReportSection, reportSections, reportTitle, valueLabel } from './wording.js';

export interface FeatureDistribution {
  feature: string;
  /** A sample of the feature over the training lesions. */
  values: number[];
}

export interface HtmlOptions {
  overlayPng?: Buffer;
  distributions?: FeatureDistribution[];
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** SVG coordinates: one decimal, deterministic. */
const px = (v: number) => v.toFixed(1);
const rgb = ([r, g, b]: [number, number, number]) => `rgb(${r},${g},${b})`;

const PLOT_W = 320, PLOT_H = 90, BINS = 32;
const PLOT_TOP = 32, PLOT_BOTTOM = 74;

/**
 * A histogram of the training sample with this lesion's value marked; for the severity feature the
 * quintile edges are dashed and the lesion's quintile shaded.
 */
function distributionSvg(feature: string, sample: number[], value: number, edges: number[] | null, level: number): string {
  const finite = sample.filter(Number.isFinite);
  let lo = Math.min(value, ...finite), hi = Math.max(value, ...finite);
  if (!(hi > lo)) hi = lo + 1;
  const x = (v: number) => 8 + ((v - lo) / (hi - lo)) * (PLOT_W - 16);
  const counts = new Array<number>(BINS).fill(0);
  for (const v of finite) counts[Math.min(BINS - 1, Math.floor(((v - lo) / (hi - lo)) * BINS))]++;
  const top = Math.max(1, ...counts), binW = (PLOT_W - 16) / BINS;
  const parts: string[] = [];
  if (edges && edges.length) {
    const bounds = [lo, ...edges, hi];
    const a = x(Math.max(lo, bounds[level])), b = x(Math.min(hi, bounds[level + 1]));
    if (b > a) parts.push(`<rect x="${px(a)}" y="${PLOT_TOP}" width="${px(b - a)}" height="${PLOT_BOTTOM - PLOT_TOP}" fill="#fde9c8"/>`);
  }
  counts.forEach((c, i) => {
    const h = ((PLOT_BOTTOM - PLOT_TOP) * c) / top;
    if (c) parts.push(`<rect x="${px(8 + i * binW + 0.5)}" y="${px(PLOT_BOTTOM - h)}" width="${px(binW - 1)}" height="${px(h)}" fill="#9aa8b6"/>`);
  });
  for (const e of edges ?? []) {
    if (e >= lo && e <= hi) parts.push(`<line x1="${px(x(e))}" y1="${PLOT_TOP}" x2="${px(x(e))}" y2="${PLOT_BOTTOM}" stroke="#555" stroke-dasharray="3,2"/>`);
  }
  parts.push(`<line x1="8" y1="${PLOT_BOTTOM}" x2="${PLOT_W - 8}" y2="${PLOT_BOTTOM}" stroke="#333"/>`);
  const mx = x(value);
  const anchor = mx < 40 ? 'start' : mx > PLOT_W - 40 ? 'end' : 'middle';
  parts.push(`<line x1="${px(mx)}" y1="${PLOT_TOP - 2}" x2="${px(mx)}" y2="${PLOT_BOTTOM + 2}" stroke="#d0021b" stroke-width="2.5"/>`);
  parts.push(`<path d="M${px(mx - 5)},${PLOT_BOTTOM + 10} L${px(mx + 5)},${PLOT_BOTTOM + 10} L${px(mx)},${PLOT_BOTTOM + 3} Z" fill="#d0021b"/>`);
  parts.push(`<text x="${px(mx)}" y="${PLOT_TOP - 5}" text-anchor="${anchor}" class="v">${escapeHtml(num(value))}</text>`);
  parts.push(`<text x="8" y="12" class="t">${escapeHtml(valueLabel(feature))}</text>`);
  return `<svg class="dist" width="${PLOT_W}" height="${PLOT_H}" viewBox="0 0 ${PLOT_W} ${PLOT_H}" role="img">${parts.join('')}</svg>`;
}

/** The five severity levels as a row of boxes, this lesion's filled. */
function severityScale(c: CriterionReport): string {
  const cells = SEVERITY_NAMES.map((name, i) => `<span class="lvl${i === c.severity.level ? ' on' : ''}" style="--i:${i}">${escapeHtml(name)}</span>`);
  return `<div class="scale" aria-label="severity">${cells.join('')}</div>`;
}

/** The colours' shares of the lesion as one stacked bar, present colours outlined. */
function colourBar(c: CriterionReport): string {
  if (c.drivers.kind !== 'color') return '';
  const W = 640, H = 26;
  let at = 0;
  const parts: string[] = [`<rect x="0" y="0" width="${W}" height="${H}" fill="#eee"/>`];
  for (const col of c.drivers.colors) {
    const idx = COLOR_NAMES.indexOf(col.name as (typeof COLOR_NAMES)[number]);
    const w = Math.max(0, col.fraction) * W;
    if (w <= 0 || idx < 0) continue;
    parts.push(`<rect x="${px(at)}" y="0" width="${px(w)}" height="${H}" fill="${rgb(CLASS_COLOURS[idx])}" stroke="${col.present ? '#111' : '#bbb'}" stroke-width="${col.present ? 1.5 : 0.5}"><title>${escapeHtml(colourName(col.name))}</title></rect>`);
    at += w;
  }
  const legend = c.drivers.colors.map((col) => {
    const idx = COLOR_NAMES.indexOf(col.name as (typeof COLOR_NAMES)[number]);
    const swatch = idx < 0 ? '#ccc' : rgb(CLASS_COLOURS[idx]);
    return `<span class="sw${col.present ? ' on' : ''}"><i style="background:${swatch}"></i>${escapeHtml(colourName(col.name))}</span>`;
  });
  return `<svg class="bar" viewBox="0 0 ${W} ${H}" width="100%" preserveAspectRatio="none" role="img">${parts.join('')}</svg><div class="swatches">${legend.join('')}</div>`;
}

function rowsTable(s: ReportSection): string {
  if (!s.rows) return '';
  const head = s.criterion ? ['Measured', 'Value'] : ['Training lesion', 'Similarity'];
  const body = s.rows.map((r) => `<tr><td>${escapeHtml(r.label)}</td><td class="num">${escapeHtml(r.value)}</td></tr>`).join('');
  return `<table><thead><tr><th>${head[0]}</th><th class="num">${head[1]}</th></tr></thead><tbody>${body}</tbody></table>`;
}

function plots(c: CriterionReport, distributions: FeatureDistribution[]): string {
  const svgs = Object.entries(c.values).flatMap(([feature, value]) => {
    const d = distributions.find((x) => x.feature === feature);
    if (!d || !d.values.length) return [];
    const isSeverity = feature === c.severity.feature;
    return [distributionSvg(feature, d.values, value, isSeverity ? c.severity.quantiles : null, c.severity.level)];
  });
  return svgs.length ? `<div class="plots">${svgs.join('')}</div><p class="note">Grey: training lesions. Red: this lesion. Dashed: quintile edges; shaded: this lesion's quintile.</p>` : '';
}

function sectionHtml(s: ReportSection, distributions: FeatureDistribution[]): string {
  const c = s.criterion;
  const paras = s.paragraphs.map((p, i) => {
    const html = `<p>${escapeHtml(p)}</p>`;
    if (i !== 0) return html;
    return c ? html + severityScale(c) + `<div class="grid">${rowsTable(s)}<div>${colourBar(c)}</div></div>` + plots(c, distributions) : html + rowsTable(s);
  });
  return `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${paras.join('')}</section>`;
}

const STYLE = `
body{font-family:"DejaVu Sans",system-ui,sans-serif;color:#1d2430;background:#f4f5f7;margin:0;line-height:1.45}
main{max-width:920px;margin:0 auto;background:#fff;padding:24px 32px 32px;box-shadow:0 0 12px rgba(0,0,0,.08)}
h1{font-size:20px;margin:0 0 12px;word-break:break-all}
h2{font-size:17px;margin:22px 0 6px;border-bottom:2px solid #e3e6ea;padding-bottom:3px}
p{margin:6px 0}
.verdict{display:flex;align-items:center;gap:16px;padding:12px 16px;border-radius:6px;font-size:18px;margin:8px 0}
.verdict.mel{background:#fde2e1;border-left:6px solid #c62828}
.verdict.ben{background:#e3f4e6;border-left:6px solid #2e7d32}
.verdict b{font-size:22px}
figure{margin:12px 0}figure img{max-width:100%;border:1px solid #ccd}
.scale{display:flex;gap:3px;margin:6px 0 8px}
.lvl{flex:1;text-align:center;font-size:12px;padding:3px 0;border-radius:3px;background:#eef0f3;color:#667}
.lvl.on{color:#fff;font-weight:bold;background:hsl(calc(120 - var(--i) * 30),65%,40%)}
table{border-collapse:collapse;font-size:14px;margin:6px 0}
td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}th{border-bottom:1px solid #ccd}
.num{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:grid;grid-template-columns:auto 1fr;gap:18px;align-items:start}
.plots{display:flex;flex-wrap:wrap;gap:6px 18px}
svg.dist text{font:11px "DejaVu Sans",sans-serif;fill:#333}svg.dist text.v{fill:#d0021b;font-weight:bold}
svg.bar{height:26px;margin-top:8px}
.swatches{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:13px;color:#778}
.sw i{display:inline-block;width:12px;height:12px;border:1px solid #999;margin-right:4px;vertical-align:-1px}
.sw.on{color:#111;font-weight:bold}
.note{font-size:12px;color:#778}
#summary p:last-child{font-weight:bold;background:#fff7e0;padding:8px 12px;border-radius:4px}
footer{font-size:12px;color:#778;margin-top:18px}
`;

export function renderHtml(r: ExplainReport, opts: HtmlOptions = {}): string {
  const distributions = opts.distributions ?? [];
  const sections = reportSections(r);
  const d = r.diagnosis;
  const verdict = `<div class="verdict ${d.label === 'melanoma' ? 'mel' : 'ben'}"><b>${escapeHtml(d.label.toUpperCase())}</b>` +
    `<span>melanoma probability ${escapeHtml(pct(d.melanoma_probability))}</span></div>`;
  const overlay = opts.overlayPng
    ? `<figure><img alt="lesion overlay: contour, principal axes and attention" src="data:image/png;base64,${opts.overlayPng.toString('base64')}"></figure>`
    : '';
  const body = sections.map((s, i) => sectionHtml(s, distributions) + (i === 0 ? overlay : '')).join('');
  const footer = footerLines(r).map((l) => `<div>${escapeHtml(l)}</div>`).join('');
  return '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(reportTitle(r))}</title><style>${STYLE}</style></head>` +
    `<body><main><h1>${escapeHtml(reportTitle(r))}</h1>${verdict}${body}<footer>${footer}</footer></main></body></html>\n`;
}
