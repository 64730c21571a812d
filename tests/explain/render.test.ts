// The text, Markdown and HTML reports: grounded (every printed number is a JSON value), deterministic,
// complete (each variant's facts are said), and the HTML page self-contained.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type ExplainReport, formatNumber, formatPercent, renderHtml, renderMarkdown, renderText,
} from '../../src/ts/explain/index.js';
import { distributions, randomReport, VARIANTS } from './fixtures.js';
import { htmlVisibleText, markdownPlain, ungroundedNumbers } from './grounding.js';

const renders = (r: ExplainReport) => ({
  text: renderText(r),
  markdown: markdownPlain(renderMarkdown(r)),
  html: htmlVisibleText(renderHtml(r, { distributions: distributions(), overlayPng: Buffer.from([137, 80, 78, 71, 1, 2, 3]) })),
});

test('formatNumber: integers whole, others 3 significant digits, no trailing zeros, no -0', () => {
  const cases: [number, string][] = [
    [0, '0'], [7, '7'], [-3, '-3'], [1234.5678, '1235'], [123.456, '123'], [12.345, '12.3'], [0.5, '0.5'],
    [0.123456, '0.123'], [0.000123456, '0.000123'], [1e-9, '0'], [-1e-9, '0'], [-0.0285, '-0.0285'], [0.10000001, '0.1'],
  ];
  for (const [v, s] of cases) assert.is(formatNumber(v), s, String(v));
  assert.is(formatPercent(0.07), '7%');
  assert.is(formatPercent(0.8512), '85.1%');
});

test('grounding: every number printed in text, Markdown and HTML is a JSON value (variants and 300 random reports)', () => {
  const reports = [
    ...Object.values(VARIANTS).map((v, i) => randomReport(100 + i, v)),
    ...Array.from({ length: 300 }, (_, i) => randomReport(1000 + i)),
  ];
  let printed = 0;
  for (const r of reports) {
    for (const [format, out] of Object.entries(renders(r))) {
      const bad = ungroundedNumbers(out, r);
      assert.equal(bad, [], `${format} of ${r.file}: numbers not in the JSON: ${bad.join(', ')}`);
      printed += (out.match(/\d/g) ?? []).length;
    }
  }
  assert.ok(printed > reports.length * 3 * 100, 'the reports print numbers at all');
});

test('grounding check catches a number that is not in the JSON', () => {
  const r = randomReport(7);
  const text = renderText(r);
  assert.equal(ungroundedNumbers(text, r), []);
  assert.equal(ungroundedNumbers(`${text}\nsomething 0.4242 and 37%`, r), ['0.4242', '37%']);
  // A value changed after rendering no longer grounds the old text.
  const changed = structuredClone(r);
  changed.diagnosis.melanoma_probability = 0.4242;
  assert.ok(ungroundedNumbers(text, changed).includes(formatPercent(r.diagnosis.melanoma_probability)));
});

test('deterministic: same report, same bytes; the renderers read only the JSON', () => {
  for (const [name, v] of Object.entries(VARIANTS)) {
    const r = randomReport(42, v), again = JSON.parse(JSON.stringify(r)) as ExplainReport;
    const opts = { distributions: distributions(), overlayPng: Buffer.from('png bytes') };
    assert.is(renderText(r), renderText(again), name);
    assert.is(renderMarkdown(r), renderMarkdown(again), name);
    assert.is(renderHtml(r, opts), renderHtml(again, opts), name);
  }
});

test('order and content: diagnosis first, then A, B, C, prototypes, summary, disclaimer', () => {
  for (const [name, v] of Object.entries(VARIANTS)) {
    const r = randomReport(9, v);
    const t = renderText(r).replace(/\s+/g, ' '); // words, not line breaks
    const at = (s: string) => { const i = t.indexOf(s); assert.ok(i >= 0, `${name}: "${s}" missing`); return i; };
    const order = [at('Diagnosis'), at('A. Asymmetry'), at('B. Border'), at('C. Colour'), at('Nearest training lesions'), at('Summary'), at(r.disclaimer)];
    assert.equal(order, [...order].sort((a, b) => a - b), `${name}: sections in order`);
    assert.ok(t.includes(`Melanoma probability: ${formatPercent(r.diagnosis.melanoma_probability)}`));
    assert.ok(t.includes(r.diagnosis.label.toUpperCase()));
    for (const c of r.criteria) {
      assert.ok(t.includes(`Severity: ${c.severity.name}`), `${name}: ${c.key} severity`);
      for (const value of Object.values(c.values)) assert.ok(t.includes(formatNumber(value)), `${name}: ${c.key} value ${value}`);
      assert.ok(t.includes(formatNumber(c.agreement)), `${name}: ${c.key} agreement`);
    }
    assert.is(t.includes('they agree') || t.includes('model agree:'), r.summary.agree, `${name}: agreement stated`);
    assert.is(t.includes('disagree'), !r.summary.agree, `${name}: disagreement stated`);
    assert.is(t.includes('multi-task image network gives'), r.diagnosis.multitask_melanoma_probability !== null, name);
    for (const p of r.prototypes) assert.ok(t.includes(`${p.id}: ${p.diagnosis}`), `${name}: prototype ${p.id}`);
  }
});

test('drivers: abrupt sectors named (or none), present colours with shares, the asymmetric axis', () => {
  const none = renderText(randomReport(3, VARIANTS['no abrupt sector']));
  assert.match(none, 'No border sector is abrupt');
  const all = randomReport(3, VARIANTS['all eight sectors abrupt']);
  assert.match(renderText(all), 'N, NE, E, SE, S, SW, W, NW');
  const colours = randomReport(3, VARIANTS['all colours present']);
  const t = renderText(colours).replace(/\s+/g, ' ');
  const drivers = colours.criteria[2].drivers;
  assert.is(drivers.kind, 'color');
  if (drivers.kind === 'color') {
    for (const c of drivers.colors) assert.ok(t.includes(`${c.name === 'blue_gray' ? 'blue-gray' : c.name.replace('_', ' ')} ${formatPercent(c.fraction)}`), c.name);
  }
  const a = randomReport(3).criteria[0].drivers;
  if (a.kind === 'asymmetry') assert.match(renderText(randomReport(3)), `least symmetric about its ${a.most_asymmetric_axis} axis`);
});

test('HTML: one self-contained page, no network, no scripts; images only as data: URIs; a plot per criterion', () => {
  const r = randomReport(11, VARIANTS['melanoma, agree']);
  const html = renderHtml(r, { overlayPng: Buffer.from([137, 80, 78, 71]), distributions: distributions() });
  assert.not.match(html, /https?:/i);
  assert.not.match(html, /<script|<link|<iframe|@import/i);
  const srcs = [...html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]);
  assert.ok(srcs.length >= 1, 'the overlay is inlined');
  for (const s of srcs) assert.ok(s.startsWith('data:image/png;base64,'), `external reference ${s.slice(0, 40)}`);
  for (const u of html.matchAll(/url\(([^)]*)\)/g)) assert.ok(u[1].startsWith('#'), `url(${u[1]})`);
  // One histogram per measured value with a training sample, the lesion's value on each.
  const plots = html.match(/<svg class="dist"/g) ?? [];
  assert.is(plots.length, r.criteria.reduce((n, c) => n + Object.keys(c.values).length, 0));
  for (const section of ['diagnosis', 'asymmetry', 'border', 'color', 'prototypes', 'summary']) assert.match(html, `<section id="${section}">`);
  // Without distributions or overlay: still a page, no plots, no image.
  const bare = renderHtml(r);
  assert.not.match(bare, '<svg class="dist"');
  assert.not.match(bare, '<img');
  // Text is escaped.
  const odd = { ...r, file: 'a<b>&"c".jpg' };
  assert.match(renderHtml(odd), 'a&lt;b&gt;&amp;&quot;c&quot;.jpg');
});

test.run();
