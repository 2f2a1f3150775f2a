// `evs-export setup`: registers the search attributes the workflows set, once per cluster.
import type { Command } from 'commander';
import { ensureSearchAttributes } from '../search-attributes';
import { withClient } from './common';

export function registerSetupCommand(program: Command): void {
  program
    .command('setup')
    .description("register this project's search attributes on the namespace (once per cluster)")
    .action(async () => {
      await withClient(async (_client, t, connection) => {
        const added = await ensureSearchAttributes(connection, t.namespace);
        console.log(added.length ? `registered: ${added.join(', ')}` : 'search attributes already registered');
      });
    });
}
