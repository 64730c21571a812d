import type { GpuKernel } from '../../kernel.js';
import * as pool from '../pool.js';
import * as upsample from '../upsample.js';
import * as shape from '../shape.js';
import * as losses from '../losses.js';
import * as ntXent from '../nt_xent.js';
import * as adamw from '../adamw.js';

// The spatial family's kernels (docs/ops.md): pooling, upsampling, layout, losses, optimizer step.
export const kernels: Record<string, GpuKernel> = { ...pool, ...upsample, ...shape, ...losses, ...ntXent, ...adamw };
