// Public API of cefm-native (see README): backends and ops, tensors, errors.
export { openBackend, autoChoice, type AutoChoice, type BackendChoice, type OpenOptions } from './backend/open.js';
export type { Backend, BackendKind, DeviceTensor, BackendOptions, Precision, RunOptions } from './backend/backend.js';
export { tidy, keep } from './backend/scope.js';
export { listAdapters, type AdapterSummary } from './backend/webgpu/device.js';
export { showDawnLog } from './backend/webgpu/dawn-log.js';
export { opNames, getOp } from './ops/registry.js';
export type { OpDef, Attrs, OpCost } from './ops/op.js';
export { type HostTensor, tensor, numel } from './tensor.js';
export { CefmError, UsageError } from './errors.js';
export { collectInfo, type InfoReport } from './info.js';
export * from './data/index.js';
export * from './concepts/abc.js';
export * from './concepts/abc-batch.js';
export * from './concepts/abc-csv.js';
export * from './concepts/abc-text.js';
export * from './concepts/abc-overlay.js';
