// The metrics and plots behind `cefm-native eval`: pure functions from scores / labels / masks /
// embeddings to JSON-ready objects, and PNG plots. No model code here; the CLI feeds them.
export * from './calibration.js';
export * from './classification.js';
export * from './embedding.js';
export * from './labels.js';
export * from './pca.js';
export * from './plots.js';
export * from './segmentation.js';
export { cosine, mean, percentile } from './stats.js';
