// The f16-storage path of the conv kernels (WebGPU with f16: true, shader-f16): inference forwards
// stage their tiles as f16 and accumulate in f32. Checked against the float64 reference at the
// f16 tolerance, and shown to really be the f16 path (its error is far above f32 rounding).
import { test } from 'uvu';
import { cases } from './cases/conv.js';
import { f16ForwardTests } from './f16.js';

// Cases big enough that f16 rounding shows: at least 16 taps per output.
f16ForwardTests('conv', cases.filter((c) => c.shapes[0][0] > 0 && c.shapes[1][1] * c.shapes[1][2] * c.shapes[1][3] >= 16));

test.run();
