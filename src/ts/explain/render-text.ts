// The explain report as plain text for a terminal: titled sections, paragraphs wrapped at 96 columns,
// measured values as an aligned two-column list.
import type { ExplainReport } from './report.js';
import { footerLines, type ReportRow, reportSections, reportTitle } from './wording.js';

const WIDTH = 96;

/** Greedy word wrap; words longer than the line stay whole. */
export function wrap(text: string, width = WIDTH, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

function rowsText(rows: ReportRow[]): string[] {
  const w = Math.max(...rows.map((r) => r.label.length));
  return rows.map((r) => `  ${r.label.padEnd(w)}  ${r.value}`);
}

export function renderText(r: ExplainReport): string {
  const title = reportTitle(r);
  const out: string[] = [title, '='.repeat(Math.min(WIDTH, title.length))];
  for (const s of reportSections(r)) {
    out.push('', s.title, '-'.repeat(s.title.length));
    s.paragraphs.forEach((p, i) => {
      out.push(...wrap(p));
      // The values table sits under the first paragraph (criteria: after the severity line).
      if (i === 0 && s.rows) out.push(...rowsText(s.rows));
    });
  }
  out.push('');
  for (const l of footerLines(r)) out.push(...wrap(l));
  return out.join('\n') + '\n';
}
