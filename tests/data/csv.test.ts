import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { columnIndex, detectDelimiter, parseDelimited, readTable } from '../../src/ts/data/csv.js';
import { CefmError } from '../../src/ts/errors.js';
import { Rng, tempDir } from './fixtures.js';

test('quotes, doubled quotes, delimiters and line breaks inside quotes', () => {
  const text = 'a,b,c\n"x, y","say ""hi""","two\nlines"\n1,,3\n';
  assert.equal(parseDelimited(text).rows, [
    ['a', 'b', 'c'],
    ['x, y', 'say "hi"', 'two\nlines'],
    ['1', '', '3'],
  ]);
});

test('CRLF and CR line ends, BOM, blank lines, no final newline', () => {
  const text = '\ufeffimage_id,melanoma\r\nISIC_1,1.0\r\n\r\nISIC_2,0.0\rISIC_3,0';
  const { rows, lines } = parseDelimited(text);
  assert.equal(rows, [['image_id', 'melanoma'], ['ISIC_1', '1.0'], ['ISIC_2', '0.0'], ['ISIC_3', '0']]);
  assert.equal(lines, [1, 2, 4, 5]);
});

test('empty trailing fields are kept; a quoted empty line is a row', () => {
  assert.equal(parseDelimited('a,\n""\n').rows, [['a', ''], ['']]);
});

test('delimiter detection: comma, tab, semicolon; quoted delimiters ignored', () => {
  assert.is(detectDelimiter('a\tb\tc\n1,2\t3'), '\t');
  assert.is(detectDelimiter('"a;b",c,d\n'), ',');
  assert.is(detectDelimiter('Image Name;Clinical Diagnosis\nIMD003;0'), ';');
  assert.equal(parseDelimited('x\ty\n"1\t2"\t3\n').rows, [['x', 'y'], ['1\t2', '3']]);
});

test('random tables survive a round trip through an independent writer', () => {
  const rng = new Rng(7);
  const alphabet = ['a', 'Z', '0', ' ', ',', '"', '\n', '\r\n', '\t', 'é', ';'];
  for (let trial = 0; trial < 40; trial++) {
    const cols = 1 + rng.int(5);
    const rows: string[][] = [];
    for (let r = 0; r < 1 + rng.int(6); r++) {
      rows.push(Array.from({ length: cols }, () => Array.from({ length: rng.int(6) }, () => alphabet[rng.int(alphabet.length)]).join('')));
    }
    // Quote every field so blank-looking rows stay rows (an unquoted single empty field is a blank line).
    const text = rows.map((row) => row.map((f) => `"${f.replaceAll('"', '""')}"`).join(',')).join(trial % 2 ? '\r\n' : '\n');
    assert.equal(parseDelimited(text, { delimiter: ',' }).rows, rows, `trial ${trial}`);
  }
});

test('unterminated quote: one-line error naming the file and line', () => {
  try {
    parseDelimited('a,b\n1,"oops\n2,3\n', { file: 'labels.csv' });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, CefmError);
    assert.is((e as Error).message, 'labels.csv: unterminated quoted field starting on line 2');
  }
});

test('readTable: header trimmed, TSV by extension, column lookup ignores case and separators', async () => {
  const dir = tempDir('csv');
  const file = join(dir, 'PH2.tsv');
  writeFileSync(file, ' Image Name \tClinical Diagnosis\r\nIMD003\t0\r\n');
  const t = await readTable(file);
  assert.equal(t.header, ['Image Name', 'Clinical Diagnosis']);
  assert.equal(t.rows, [['IMD003', '0']]);
  assert.is(columnIndex(t.header, 'image_name'), 0);
  assert.is(columnIndex(t.header, 'clinical diagnosis'), 1);
  assert.is(columnIndex(t.header, 'melanoma'), -1);
  try {
    await readTable(join(dir, 'nope.csv'));
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /nope\.csv: cannot read table: ENOENT/);
  }
});

test.run();
