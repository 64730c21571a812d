// The data pipeline: dataset loaders, image decoding, augmentation, prefetching, cache.
export * from './augment.js';
export * from './bmp.js';
export * from './cache.js';
export * from './csv.js';
export * from './image.js';
export * from './prefetch.js';
export * from './preprocess.js';
export * from './rng.js';
export * from './spec.js';
export * from './split.js';
