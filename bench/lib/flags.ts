// Benchmark parameters: `node:util` parseArgs, each flag also readable from the environment as BENCH_<NAME>
// (`--runs 10` = `BENCH_RUNS=10`), the way undici's benchmarks take theirs. The flag wins over the variable.
import { parseArgs } from 'node:util';

export type FlagKind = 'int' | 'number' | 'boolean' | 'string';

export interface FlagSpec {
  kind: FlagKind;
  default: number | boolean | string;
  help: string;
}

export type FlagValues<S extends Record<string, FlagSpec>> = { [K in keyof S]: S[K]['default'] };

const envName = (flag: string) => `BENCH_${flag.replace(/-/g, '_').toUpperCase()}`;

function convert(kind: FlagKind, raw: string | boolean, from: string): number | boolean | string {
  if (kind === 'boolean') return typeof raw === 'boolean' ? raw : !/^(0|false|no|)$/i.test(raw);
  if (kind === 'string') return String(raw);
  const n = Number(raw);
  if (!Number.isFinite(n) || (kind === 'int' && !Number.isInteger(n)) || n < 0) {
    throw new UsageError(`${from}: expected a ${kind === 'int' ? 'whole number' : 'number'} >= 0, got ${JSON.stringify(raw)}`);
  }
  return n;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function usage(command: string, about: string, spec: Record<string, FlagSpec>): string {
  const lines = Object.entries(spec).map(([name, s]) => {
    const arg = s.kind === 'boolean' ? '' : ` <${s.kind === 'string' ? 'text' : 'n'}>`;
    const dflt = s.kind === 'boolean' ? '' : ` (default ${s.default})`;
    return `  --${`${name}${arg}`.padEnd(26)} ${s.help}${dflt}; env ${envName(name)}`;
  });
  return `${command}: ${about}\n\n${lines.join('\n')}\n${"  --help".padEnd(30)} this text`;
}

/**
 * Parses argv (flags) over the environment (BENCH_*) over the defaults. `--help` prints usage and exits 0; a bad
 * flag prints the problem and the usage and exits 2.
 */
export function parseFlags<S extends Record<string, FlagSpec>>(
  command: string,
  about: string,
  spec: S,
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): FlagValues<S> {
  try {
    return parse(command, about, spec, argv, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.message);
    process.exit(2);
  }
}

function parse<S extends Record<string, FlagSpec>>(command: string, about: string, spec: S, argv: string[], env: NodeJS.ProcessEnv): FlagValues<S> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, s] of Object.entries(spec)) options[name] = { type: s.kind === 'boolean' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usage(command, about, spec)}`);
  }
  if (values.help) {
    console.log(usage(command, about, spec));
    process.exit(0);
  }
  const out: Record<string, number | boolean | string> = {};
  for (const [name, s] of Object.entries(spec)) {
    const flag = values[name];
    const fromEnv = env[envName(name)];
    if (flag !== undefined) out[name] = convert(s.kind, flag, `--${name}`);
    else if (fromEnv !== undefined) out[name] = convert(s.kind, fromEnv, envName(name));
    else out[name] = s.default;
  }
  return out as FlagValues<S>;
}

/** The simulator's realistic-but-short timings, shared by the benches that measure downtime. */
export const SIM_TIMING_FLAGS = {
  'stop-ms': { kind: 'int', default: 1500, help: 'simulated SOFT stop' },
  'start-ms': { kind: 'int', default: 1500, help: 'simulated start' },
  'upload-base-ms': { kind: 'int', default: 1000, help: 'simulated upload, fixed part' },
  'upload-ms-per-gb': { kind: 'int', default: 100, help: 'simulated upload, per GB' },
} as const satisfies Record<string, FlagSpec>;

/** Those flags as simulator timings. */
export function simTimings(f: { 'stop-ms': number; 'start-ms': number; 'upload-base-ms': number; 'upload-ms-per-gb': number }) {
  return { stopMs: f['stop-ms'], startMs: f['start-ms'], uploadBaseMs: f['upload-base-ms'], uploadMsPerGb: f['upload-ms-per-gb'] };
}

/** A comma-separated list of whole numbers > 0 (`10,100,1000`); an empty text is an empty list. */
export function intList(raw: string, flag: string): number[] {
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return parts.map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag}: expected whole numbers > 0 separated by commas, got ${JSON.stringify(p)}`);
    return n;
  });
}
