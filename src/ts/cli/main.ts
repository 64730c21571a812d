#!/usr/bin/env node
// The cefm-native command line: parses flags, calls the library, prints text or JSON, sets the exit code.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { CefmError, debugEnabled } from '../errors.js';
import { showDawnLog } from '../backend/webgpu/dawn-log.js';
import { packageVersion } from '../version.js';
import { registerInfoCommand } from './commands/info.js';
import { registerBenchCommand } from './commands/bench.js';
import { registerAbcCommand } from './commands/abc.js';
import { registerConvertCommand } from './commands/convert.js';
import { registerTrainCommand } from './commands/train.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerExplainCommand } from './commands/explain.js';


export function buildProgram(): Command {
  const program = new Command();
  program
    .name('cefm-native')
    .description('Dermoscopy models (CEFM, multi-task lesion network) on WebGPU and a native CPU backend')
    .version(packageVersion, '-V, --version')
    .option('--verbose', 'show stack traces on errors, and Dawn\'s own (harmless) adapter warnings')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, 'cefm-native: ')) });
  registerInfoCommand(program);
  registerBenchCommand(program);
  registerAbcCommand(program);
  registerConvertCommand(program);
  registerTrainCommand(program);
  registerPredictCommand(program);
  registerEvalCommand(program);
  registerExplainCommand(program);

  return program;
}

/** Runs the CLI; returns the exit code (0 ok, 1 failure, 2 bad usage, 3 partial failure). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  showDawnLog(debugEnabled() || argv.includes('--verbose'));
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, with exit code 0
      return e.exitCode === 0 ? 0 : 2;
    }
    const verbose = debugEnabled() || argv.includes('--verbose');
    if (e instanceof CefmError) {
      process.stderr.write(`cefm-native: ${e.message}\n`);
      if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
      return e.exitCode;
    }
    const err = e as Error;
    process.stderr.write(`cefm-native: ${err?.message?.split('\n')[0] ?? String(e)}\n`);
    if (verbose && err?.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

// Run when executed as a script (node dist/src/ts/cli/main.js ...); bin/cefm-native.js imports main().
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
