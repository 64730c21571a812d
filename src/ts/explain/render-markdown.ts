// The explain report as Markdown: the same sections as the text report, values as tables.
import type { ExplainReport } from './report.js';
import { footerLines, type ReportRow, reportSections, reportTitle } from './wording.js';

/** Escapes the characters that would start Markdown markup inside a line or a table cell. */
export function escapeMarkdown(s: string): string {
  return s.replace(/([\\`*_[\]|<>#])/g, '\\$1');
}

function table(rows: ReportRow[], head: [string, string]): string[] {
  return [`| ${head[0]} | ${head[1]} |`, '|---|---:|', ...rows.map((r) => `| ${escapeMarkdown(r.label)} | ${escapeMarkdown(r.value)} |`)];
}

export function renderMarkdown(r: ExplainReport): string {
  const out: string[] = [`# ${escapeMarkdown(reportTitle(r))}`];
  for (const s of reportSections(r)) {
    out.push('', `## ${escapeMarkdown(s.title)}`);
    s.paragraphs.forEach((p, i) => {
      out.push('', escapeMarkdown(p));
      if (i === 0 && s.rows) out.push('', ...table(s.rows, s.criterion ? ['Measured', 'Value'] : ['Training lesion', 'Similarity']));
    });
  }
  out.push('', '---', '', ...footerLines(r).map((l) => `*${escapeMarkdown(l)}*  `));
  return out.join('\n') + '\n';
}
