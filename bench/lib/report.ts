// What every benchmark prints: the versions used, the machine, and aligned tables.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { temporalCliPath } from '../../src/dev/temporal-cli';

export const ROOT = resolve(__dirname, '..', '..');

export interface Versions {
  node: string;
  temporalioWorker: string;
  temporalioClient: string;
  temporalCli: string;
  project: string;
  /** `git describe`-like: commit, plus `+local changes` when the work tree differs under src/. */
  commit: string;
  cpus: number;
  cpuModel: string;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 }).trim();
  } catch {
    return '';
  }
}

export function versions(): Versions {
  const cli = run(temporalCliPath(), ['--version']).replace(/^temporal version /, '') || 'unknown';
  const head = run('git', ['rev-parse', '--short', 'HEAD']) || 'unknown';
  const dirty = run('git', ['status', '--porcelain', '--', 'src']) !== '';
  const cpu = cpus();
  return {
    node: process.version,
    temporalioWorker: packageVersion('@temporalio/worker'),
    temporalioClient: packageVersion('@temporalio/client'),
    temporalCli: cli,
    project: (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    commit: `${head}${dirty ? ' +local changes in src/' : ''}`,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
  };
}

export function versionLines(v: Versions): string[] {
  return [
    `versions  node ${v.node}, @temporalio/worker ${v.temporalioWorker}, @temporalio/client ${v.temporalioClient}, temporal CLI ${v.temporalCli}`,
    `project   evs-image-export ${v.project} at ${v.commit}`,
    `machine   ${v.cpus} × ${v.cpuModel}`,
  ];
}

export type Cell = string | number;

/** A plain aligned table: numbers right-aligned, text left-aligned. */
export function table(header: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((r) => typeof r[i] === 'number' || /^[-+]?[\d.,]+( ?[%×a-z]+)?$/.test(String(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

/** Whole numbers as they are; others with up to 3 significant decimals. */
export function fmt(x: number, digits?: number): string {
  if (!Number.isFinite(x)) return '-';
  if (digits !== undefined) return x.toFixed(digits);
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(3);
}

export const signed = (x: number) => (x >= 0 ? `+${fmt(Math.round(x))}` : fmt(Math.round(x)));
export const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(3)}×` : '-');
export const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
