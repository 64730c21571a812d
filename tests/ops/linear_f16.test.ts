// linear's f16-storage forward (the GEMM's f16 path with the fused bias/activation epilogue),
// chosen per call: see f16.ts.
import { test } from 'uvu';
import { cases } from './cases/dense.js';
import { f16ForwardTests } from './f16.js';

// Cases with enough input features (>= 16) that f16 rounding shows.
f16ForwardTests('linear', cases.filter((c) => c.op === 'linear' && c.shapes[1][1] >= 16));

test.run();
