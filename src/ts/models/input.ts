// One image → the model's input tensor, exactly as training's deterministic path prepares it:
// resize to the model's size, colour constancy (when the model was trained with it), normalise.
import { type RgbImage, resizeRgb, toTensor } from '../data/image.js';
import { applyColorConstancy, type ColorConstancy } from '../data/preprocess.js';
import type { HostTensor } from '../tensor.js';
import type { Preprocessing } from './file.js';

export function toModelInput(image: RgbImage, pre: Preprocessing): HostTensor {
  const s = pre.image_size;
  const resized = image.width === s && image.height === s ? image : resizeRgb(image, s, s);
  const balanced = pre.color_constancy ? applyColorConstancy(resized, pre.color_constancy as ColorConstancy) : resized;
  const t = toTensor(balanced, { mean: pre.mean, std: pre.std });
  return { shape: [1, ...t.shape], data: t.data };
}
