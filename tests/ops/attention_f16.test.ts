// The f16-storage path of the attention forward (WebGPU with f16: true, shader-f16): inference
// stages key and value tiles as f16 and accumulates in f32. Checked against the float64 reference
// at the f16 tolerance, and shown to really be the f16 path (its error is far above f32 rounding).
import { test } from 'uvu';
import { cases } from './cases/attention.js';
import { f16ForwardTests } from './f16.js';

// Cases with outputs (an empty output has no rounding to show).
f16ForwardTests('attention', cases.filter((c) => c.shapes[0].every((d) => d > 0)));

test.run();
