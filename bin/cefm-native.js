#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (built by `npm run build:ts`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { availableParallelism } from 'node:os';

// Batch commands (abc --data) measure on the libuv pool: size it to the machine before it starts.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'src', 'ts', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`cefm-native: not built (missing ${entry}); run \`npm run build\` in ${root}\n`);
  process.exit(1);
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv);
