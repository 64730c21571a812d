import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (where package.json is), found from this file whatever the cwd. */
export const packageRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cefm-native: cannot find the package root');
    dir = up;
  }
  return dir;
})();

export const wgslDir = join(packageRoot, 'src', 'wgsl');
