import { readFile } from 'node:fs/promises';
import { CefmError } from '../errors.js';

/** A parsed delimited text file: header row and data rows (ragged rows are kept as they are). */
export interface Table {
  file: string;
  header: string[];
  rows: string[][];
  /** 1-based line number in the file where each row starts (for error messages). */
  lines: number[];
}

const DELIMITERS = [',', '\t', ';'] as const;

/**
 * Split delimited text into rows of fields (RFC 4180: quoted fields may hold delimiters, quotes
 * written as "" and line breaks; LF, CRLF and CR line ends; a leading BOM is dropped).
 * Blank lines are skipped. The delimiter is detected from the first line when not given.
 */
export function parseDelimited(text: string, opts: { delimiter?: string; file?: string } = {}): { rows: string[][]; lines: number[] } {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const delimiter = opts.delimiter ?? detectDelimiter(text);
  const rows: string[][] = [];
  const lines: number[] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let fieldStarted = false;
  const endRow = () => {
    row.push(field);
    if (row.length > 1 || row[0] !== '' || fieldStarted) {
      rows.push(row);
      lines.push(rowLine);
    }
    row = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      fieldStarted = true;
    } else if (c === delimiter) {
      row.push(field);
      field = '';
      fieldStarted = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else field += c;
  }
  if (quoted) throw new CefmError(`unterminated quoted field starting on line ${rowLine}`, { file: opts.file });
  if (field !== '' || row.length > 0 || fieldStarted) endRow();
  return { rows, lines };
}

/** The delimiter (comma, tab or semicolon) that occurs most often, outside quotes, on the first line. */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>();
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && (DELIMITERS as readonly string[]).includes(c)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best = ',';
  let bestCount = 0;
  for (const d of DELIMITERS) {
    const n = counts.get(d) ?? 0;
    if (n > bestCount) [best, bestCount] = [d, n];
  }
  return best;
}

/** Read a CSV/TSV file; the first row is the header (fields trimmed). */
export async function readTable(file: string, opts: { delimiter?: string; header?: boolean } = {}): Promise<Table> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CefmError(`cannot read table: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file, cause: e });
  }
  const delimiter = opts.delimiter ?? (/\.(tsv|tab)$/i.test(file) ? '\t' : undefined);
  const { rows, lines } = parseDelimited(text, { delimiter, file });
  if (opts.header === false) return { file, header: [], rows, lines };
  return { file, header: (rows[0] ?? []).map((h) => h.trim()), rows: rows.slice(1), lines: lines.slice(1) };
}

/** Index of a header column, matched case-insensitively and ignoring spaces/underscores; -1 when absent. */
export function columnIndex(header: string[], ...names: string[]): number {
  const norm = (s: string) => s.trim().toLowerCase().replace(/[\s_-]+/g, '');
  const wanted = names.map(norm);
  return header.findIndex((h) => wanted.includes(norm(h)));
}

/** Like columnIndex but a missing column is an error naming the file. */
export function requireColumn(table: Table, ...names: string[]): number {
  const i = columnIndex(table.header, ...names);
  if (i < 0) throw new CefmError(`missing column '${names[0]}' (header: ${table.header.join(',')})`, { file: table.file });
  return i;
}
