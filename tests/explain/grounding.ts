// The grounding check: every number a renderer printed is a number of the report's JSON, formatted by
// the renderers' one rule (formatNumber, or formatPercent for shares). Strings of the JSON that hold
// digits (file names, prototype ids) are taken out first: they are JSON values too.
import { formatNumber, formatPercent } from '../../src/ts/explain/report.js';

function walk(v: unknown, numbers: number[], strings: string[]): void {
  if (typeof v === 'number') numbers.push(v);
  else if (typeof v === 'string') strings.push(v);
  else if (Array.isArray(v)) v.forEach((x) => walk(x, numbers, strings));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => walk(x, numbers, strings));
}

/** A number in running text: not part of a word (B2) or of a longer number; a trailing % is kept. */
const NUMBER = /(?<![\w.])-?\d+(?:\.\d+)?%?/g;

/** The printed numbers of `text` that no JSON number of `report` explains. */
export function ungroundedNumbers(text: string, report: unknown): string[] {
  const json: unknown = JSON.parse(JSON.stringify(report)); // only what the JSON output holds
  const numbers: number[] = [], strings: string[] = [];
  walk(json, numbers, strings);
  const allowed = new Set<string>();
  for (const v of numbers) allowed.add(formatNumber(v)).add(formatPercent(v));
  let t = text;
  for (const s of strings.filter((s) => /\d/.test(s)).sort((a, b) => b.length - a.length)) t = t.split(s).join(' ');
  return (t.match(NUMBER) ?? []).filter((n) => !allowed.has(n));
}

/** The words a person reads in an HTML page: no style, no tags (attributes with them), entities decoded. */
export function htmlVisibleText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

/** Markdown with its backslash escapes removed. */
export function markdownPlain(md: string): string {
  return md.replace(/\\([\\`*_[\]|<>#])/g, '$1');
}
