import type { BenchCase } from '../case.js';
import { benchCases as dense } from './dense.js';
import { benchCases as conv } from './conv.js';
import { benchCases as attention } from './attention.js';
import { benchCases as pointwise } from './pointwise.js';
import { benchCases as spatial } from './spatial.js';

const matmulCases: BenchCase[] = [
  { op: 'matmul', shapes: [[512, 512], [512, 512]], label: 'matmul 512³' },
  { op: 'matmul', shapes: [[1024, 1024], [1024, 1024]], label: 'matmul 1024³' },
  { op: 'matmul', shapes: [[2048, 2048], [2048, 2048]], label: 'matmul 2048³' },
  { op: 'matmul', shapes: [[4096, 4096], [4096, 4096]], label: 'matmul 4096³' },
  { op: 'matmul', shapes: [[1576, 768], [768, 2304]], label: 'ViT-B/16 qkv (8x197 tokens)' },
  { op: 'matmul', shapes: [[96, 197, 64], [96, 64, 197]], label: 'ViT-B/16 scores (8x12 heads)' },
];

export const allBenchCases: BenchCase[] = [...matmulCases, ...dense, ...conv, ...attention, ...pointwise, ...spatial];
