import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/ts/paths.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the installed launcher (bin/cefm-native.js) as a user would, with a hard time limit. */
export function runCli(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(packageRoot, 'bin', 'cefm-native.js'), ...args], {
      cwd: opts.cwd ?? packageRoot,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cefm-native ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 60000} ms`));
    }, opts.timeoutMs ?? 60000);
    child.on('close', (code) => {
      clearTimeout(timer);
      // Dawn's two harmless limit warnings are not ours.
      stderr = stderr.split('\n').filter((l) => !/^Warning: maxDynamic/.test(l)).join('\n');
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}
