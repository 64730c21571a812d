// The real example lesion for the overlay and page tests: examples/ISIC_0014722.jpg, its mask, the ABC
// measurement with geometry, and an attention grid (a smooth bump over part of the lesion, as a
// rollout gives, on the ViT's 14x14 patch grid).
import { measureAbc } from '../../src/ts/concepts/abc.js';
import { readMask, readRgb } from '../../src/ts/data/image.js';
import { abruptCompassSectors, type ExplainReport, type OverlayInputs } from '../../src/ts/explain/report.js';
import { overlayInputsFromAbc } from '../../src/ts/explain/overlay.js';
import { EXAMPLE_IMAGE, exampleMaskFile, exampleReport } from './fixtures.js';

export const GRID: [number, number] = [14, 14];

/** Rollout-like attention: a bump centred at (fx, fy) (fractions of the image), plus a faint floor. */
export function bumpAttention(fx: number, fy: number, grid = GRID): NonNullable<OverlayInputs['attention']> {
  const [rows, cols] = grid, values = new Float32Array(rows * cols);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const dx = (x + 0.5) / cols - fx, dy = (y + 0.5) / rows - fy;
      values[y * cols + x] = 0.002 + Math.exp(-(dx * dx + dy * dy) / (2 * 0.12 * 0.12)) * 0.01;
    }
  }
  return { grid, values };
}

export async function exampleLesion(): Promise<{ inputs: OverlayInputs; report: ExplainReport }> {
  const image = await readRgb(EXAMPLE_IMAGE);
  const mask = await readMask(exampleMaskFile(), { width: image.width, height: image.height });
  const m = await measureAbc(image, mask, { geometry: true });
  const g = m.geometry!;
  const abrupt = abruptCompassSectors(g.abrupt_sectors, g.major_axis);
  const area = mask.data.reduce((n, v) => n + (v ? 1 : 0), 0);
  const report = exampleReport(m, abrupt, image.width, image.height, area);
  const [cx, cy] = g.centroid;
  const inputs = overlayInputsFromAbc(image, mask, m, bumpAttention((cx + 60) / image.width, (cy - 40) / image.height));
  return { inputs, report };
}
