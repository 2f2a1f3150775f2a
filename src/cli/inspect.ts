// `evs-export inspect`: the plan for a disk, read straight from the cloud (OS_* settings); changes nothing.
import { type Command, Option } from 'commander';
import { STRATEGIES } from '../formats';
import { readPlan, UnknownVolumeError } from '../activities/plan';
import { createCloudClient, loadCloudConfig } from '../cloud';
import { ExitError, out } from './common';
import { formatPlan } from './format';

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('show the plan for a disk (servers, states, what would be stopped) without changing anything')
    .requiredOption('--volume <id>', 'disk (volume) id')
    .addOption(new Option('--strategy <strategy>', 'the plan for this strategy (default direct)').choices(STRATEGIES))
    .option('--no-stop', 'the plan of a crash-consistent snapshot export (no server touched)')
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      if (o.stop === false && o.strategy !== 'snapshot')
        throw new ExitError('--no-stop: needs --strategy snapshot (the direct export needs the servers stopped)', 2);
      const cloud = createCloudClient(loadCloudConfig());
      try {
        const { plan, problems } = await readPlan(cloud, { volumeId: o.volume, strategy: o.strategy, stopServers: o.stop });
        out(o.json, { plan, problems, exportable: problems.length === 0 }, formatPlan(plan, problems));
        // Not exportable now: exit 1, the plan and the reasons printed.
        if (problems.length > 0) process.exitCode = 1;
      } catch (err) {
        if (err instanceof UnknownVolumeError) throw new ExitError(err.message, 2);
        throw err;
      } finally {
        await cloud.close();
      }
    });
}
