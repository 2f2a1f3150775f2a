// `evs-export`: start, inspect, follow, approve and abort exports. One subcommand per operation, each group in
// its own module under cli/; every definition comes from workflows/api.ts. Exit codes: 0 success, 1 the run
// failed or the call was refused (an export of the disk already running, too), 2 bad input.
import { Command, CommanderError } from 'commander';
import { ExitError } from './cli/common';
import { registerControlCommands } from './cli/control';
import { registerExportCommands } from './cli/export';
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
  'Cloud (inspect): OS_CLOUD + clouds.yaml, or OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_USER_DOMAIN_NAME, ' +
    'OS_PROJECT_ID|OS_PROJECT_NAME, OS_REGION_NAME.',
].join('\n');

export function buildProgram(): Command {
  const program = new Command('evs-export')
    .description(
      'Export an EVS disk into a private image on Temporal: stops every attached server, exports once, restarts what it stopped.',
    )
    // One line naming the flag, not the whole help; the subcommands inherit both settings.
    .showHelpAfterError('(see --help)')
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
  return program;
}

/** ExportAlreadyRunningError, a failed run and every other error: 1. */
function exitCode(err: unknown): number {
  if (err instanceof ExitError) return err.code;
  // --help and --version end with 0; a bad flag, value or argument is bad input.
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  return err instanceof InputError ? 2 : 1;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    // Commander has already said what was wrong.
    if (!(err instanceof CommanderError)) console.error(`evs-export: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = exitCode(err);
  }
}

if (require.main === module) void main();
