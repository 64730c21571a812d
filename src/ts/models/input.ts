// One image → the model's input tensor, exactly as training's deterministic path prepares it:
// colour constancy (when the model was trained with it), resize to the model's size, normalise.
import * as data from '../data/index.js';
import { type RgbImage, resizeRgb, toTensor } from '../data/image.js';
import type { HostTensor } from '../tensor.js';
import type { Preprocessing } from './file.js';

type Constancy = (img: RgbImage) => RgbImage;

/** The colour constancy a model file names, or identity when none. */
export function colourConstancy(name: string | null): Constancy {
  if (!name) return (img) => img;
  const fn = (data as unknown as { shadesOfGray?: Constancy }).shadesOfGray;
  return fn ? (img) => fn(img) : (img) => img;
}

export function toModelInput(image: RgbImage, pre: Preprocessing): HostTensor {
  const balanced = colourConstancy(pre.color_constancy)(image);
  const s = pre.image_size;
  const resized = balanced.width === s && balanced.height === s ? balanced : resizeRgb(balanced, s, s);
  const t = toTensor(resized, { mean: pre.mean, std: pre.std });
  return { shape: [1, ...t.shape], data: t.data };
}
