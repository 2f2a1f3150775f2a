// `evs-export`: start, inspect, follow, approve and abort exports. One subcommand per operation, each group in
// its own module under cli/; every definition comes from workflows/api.ts. Exit codes: 0 success, 1 the run
// failed or the call was refused (an export of the disk already running, too), 2 bad input.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ExitError, flushTracing } from './cli/common';
import { registerControlCommands } from './cli/control';
import { registerExportCommands } from './cli/export';
import { inputErrorText } from './cli/flags';
import { registerHoldsCommand } from './cli/holds';
import { registerInspectCommand } from './cli/inspect';
import { registerScheduleCommands } from './cli/schedule';
import { registerSetupCommand } from './cli/setup';
import { registerStatusCommand } from './cli/status';
import { InputError } from './workflows/validate';

const ENVIRONMENT_HELP = [
  '',
  'Temporal: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, temporal.toml profiles; ' +
    'task queue TEMPORAL_TASK_QUEUE.',
  'Cloud (inspect, and the checks before a start): OS_CLOUD + clouds.yaml, or OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, ' +
    'OS_USER_DOMAIN_NAME, OS_PROJECT_ID|OS_PROJECT_NAME, OS_REGION_NAME.',
].join('\n');

/** package.json's version; the file sits one level above both src/ (tsx) and lib/ (the build). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(resolve(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('evs-export')
    .description(
      'Export an EVS disk into a private image on Temporal: stops every attached server, exports once, restarts what it stopped.',
    )
    .version(packageVersion())
    .exitOverride()
    .addHelpText('after', ENVIRONMENT_HELP);
  // In this order: it is the order of `evs-export --help`.
  registerExportCommands(program);
  registerScheduleCommands(program);
  registerHoldsCommand(program);
  registerInspectCommand(program);
  registerStatusCommand(program);
  registerControlCommands(program);
  registerSetupCommand(program);
  oneLineErrors(program);
  return program;
}

/** Commander's complaints as one line naming the flag, and where the whole help is — never the help itself. */
function oneLineErrors(command: Command, path = command.name()): void {
  command.configureOutput({
    outputError: (text, write) =>
      write(
        `evs-export: ${text
          .replace(/^error: /, '')
          .trim()
          .replace(/\s*\n\s*/g, ' ')} (see ${path} --help)\n`,
      ),
  });
  for (const sub of command.commands) oneLineErrors(sub, `${path} ${sub.name()}`);
}

/** ExportAlreadyRunningError, a failed run and every other error: 1. */
function exitCode(err: unknown): number {
  if (err instanceof ExitError) return err.code;
  // --help and --version end with 0; a bad flag, value or argument is bad input.
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  return err instanceof InputError ? 2 : 1;
}

function message(err: unknown): string {
  if (err instanceof InputError) return inputErrorText(err);
  return err instanceof Error ? err.message : String(err);
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    // Commander has already said what was wrong.
    if (!(err instanceof CommanderError)) console.error(`evs-export: ${message(err)}`);
    process.exitCode = exitCode(err);
  } finally {
    await flushTracing();
  }
}

if (require.main === module) void main();
