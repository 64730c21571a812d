// The ABC features as an aligned plain-text table for a person (clinician) to read.
import { type AbcConstants, type AbcMeasurement, COLOR_NAMES } from './abc.js';

const label = (c: string) => c.replace('_', ' ');
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function formatAbcTable(m: AbcMeasurement, k: AbcConstants, title: string): string {
  const present = COLOR_NAMES.filter((c) => m.colors[c]);
  const fractions = COLOR_NAMES.filter((c) => m.color_fractions[c] > 0)
    .sort((a, b) => m.color_fractions[b] - m.color_fractions[a])
    .map((c) => `${label(c)} ${pct(m.color_fractions[c])}`);
  const sections: [string, [string, string][]][] = [
    ['Asymmetry', [
      ['A: grey difference with mirror image', `${m.A.toFixed(2)} grey levels (0-255)`],
      ['asymmetry index, major / minor axis', `${m.asymmetry_index[0].toFixed(3)} / ${m.asymmetry_index[1].toFixed(3)} (asymmetric above ${k.asymmetry_threshold})`],
      ['  shape part (non-overlap with mirror)', `${pct(m.asymmetry_shape[0])} / ${pct(m.asymmetry_shape[1])}`],
      ['  colour part (other colour in mirror)', `${pct(m.asymmetry_colour[0])} / ${pct(m.asymmetry_colour[1])}`],
      ['asymmetric axes', `${m.asymmetry_axes} of 2`],
    ]],
    ['Border', [
      ['B2: mean |curvature|', `${m.B2.toFixed(4)} per px`],
      ['compactness P^2/(4 pi A)', `${m.compactness.toFixed(3)} (1 = circle)`],
      ['fractal dimension', `${m.fractal_dimension.toFixed(3)} (1 = smooth curve)`],
      ['abrupt border sectors', `${m.border_score} of 8`],
    ]],
    ['Colour', [
      ['sigma H / S / V (0-255 scale)', `${m.sigma_h.toFixed(2)} / ${m.sigma_s.toFixed(2)} / ${m.sigma_v.toFixed(2)}`],
      ['colours present', `${m.color_count} of 6${present.length ? `: ${present.map(label).join(', ')}` : ''}`],
      ['colour fractions', `${fractions.join(', ')}${m.skin_like_fraction > 0 ? `; skin-coloured ${pct(m.skin_like_fraction)}` : ''}`],
      ['present from (share of lesion)', COLOR_NAMES.map((c) => `${label(c)} ${pct(k.color_present_fractions[c])}`).join(', ')],
      ['skin around the lesion, CIELAB', `${m.skin_lab.map((v) => v.toFixed(1)).join(' / ')}${m.skin_pixels ? '' : ' (too little skin: whole image)'}`],
    ]],
  ];
  const width = Math.max(...sections.flatMap(([, rows]) => rows.map(([name]) => name.length)));
  const lines = [title, `lesion ${Math.round(m.area_px).toLocaleString('en-US')} px, perimeter ${m.perimeter_px.toFixed(1)} px`, ''];
  for (const [head, rows] of sections) {
    lines.push(head);
    for (const [name, value] of rows) lines.push(`  ${name.padEnd(width)}  ${value}`);
  }
  return lines.join('\n');
}
