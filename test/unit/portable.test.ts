// The repository carries no path of the machine it was written on (docs, fixtures, recorded histories and their
// stack traces included): a clone works anywhere. Container files name paths inside their images, which is fine.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const CONTAINER_FILES = new Set(['Dockerfile', 'docker-compose.yml', '.dockerignore']);
const MACHINE_PATH = /(?<![\w.])\/(?:work|tmp|root|home|Users)\/[\w.-]/;

export function machinePaths(files: string[], read: (f: string) => string): string[] {
  const found: string[] = [];
  for (const f of files) {
    if (CONTAINER_FILES.has(f)) continue;
    read(f)
      .split('\n')
      .forEach((line, i) => {
        if (MACHINE_PATH.test(line)) found.push(`${f}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
  }
  return found;
}

describe('a portable repository', () => {
  it('no tracked file names a machine path', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files.length).toBeGreaterThan(50);
    expect(machinePaths(files, (f) => readFileSync(join(ROOT, f), 'utf8'))).toEqual([]);
  });

  it('would find one (the check can fail)', () => {
    // Built from parts, so that this file does not contain what it plants.
    const abs = (...parts: string[]) => ['', ...parts].join('/');
    const planted: Record<string, string> = {
      'a.json': `"stackTrace": "at ${abs('work', 'main', 'src', 'x.ts')}:1"`,
      'b.md': `see ${abs('tmp', 'out')}`,
      'c.ts': 'https://host/work/x and ./tmp/y',
    };
    expect(machinePaths(Object.keys(planted), (f) => planted[f])).toEqual([`a.json:1: ${planted['a.json']}`, `b.md:1: ${planted['b.md']}`]);
  });
});
