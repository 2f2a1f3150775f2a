// Replay (temporal-notes §1.13): every recorded history in test/fixtures/histories must replay against the CURRENT
// workflow code, so a change that alters the command sequence of runs already in flight fails CI. The histories
// are recorded by `npm run record-histories` (scripts/record-histories.ts; its header says when to re-record).
// No server is needed: replay runs on the worker's native core alone.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleOptions } from '../../src/bundle-workflows';
import { startTracing } from '../../src/telemetry/tracing';

const HISTORIES = resolve(__dirname, '..', 'fixtures', 'histories');
const REORDERED = resolve(__dirname, '..', 'fixtures', 'workflows', 'reordered-export.ts');

// The scenarios scripts/record-histories.ts records; a missing file is a failure, not a skipped replay.
const EXPECTED = [
  'success-shared-disk',
  'compensated-failure',
  'upload-killed',
  'cancelled-during-upload',
  'adopted-export',
  'approval',
  'rerun-existing-image',
  'server-hold-shared',
  'server-export',
  'snapshot-export',
  'scheduled-export',
  'scheduled-build',
];

// One folder per release; the newest must have every scenario, older ones keep what they recorded.
const byVersion = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
const releases = readdirSync(HISTORIES).sort(byVersion);
const newest = releases.at(-1)!;
const inRelease = (r: string) => readdirSync(join(HISTORIES, r)).filter((f) => f.endsWith('.json'));
const files = releases.flatMap((r) => inRelease(r).map((f) => `${r}/${f}`)).sort();
const history = (file: string): unknown => JSON.parse(readFileSync(join(HISTORIES, file), 'utf8'));

// Production bundles carry the tracing interceptors, whose spans go to a sink (dropped while replaying).
const TRACING_OFF = startTracing({ exporter: 'none', serviceName: 'replay' });

// Both flavours of the bundle (with and without tracing new runs) must replay every history.
const current: Record<'untraced' | 'traced', WorkflowBundleWithSourceMap> = {} as never;
beforeAll(async () => {
  // Core logs the expected nondeterminism of the last test at WARN on stderr; the errors themselves are asserted.
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });
  for (const flavour of ['untraced', 'traced'] as const)
    current[flavour] = await bundleWorkflowCode({ ...bundleOptions(flavour === 'traced'), logger: new DefaultLogger('WARN') });
});

describe('recorded histories replay against the current workflow code', () => {
  it('has every scenario recorded by the newest release, and the recordings of the releases before it', () => {
    expect(releases.length).toBeGreaterThanOrEqual(2);
    expect(
      inRelease(newest)
        .map((f) => basename(f, '.json'))
        .sort(),
    ).toEqual([...EXPECTED].sort());
  });

  it.each(files.flatMap((file) => (['untraced', 'traced'] as const).map((flavour) => [file, flavour] as const)))(
    '%s (%s bundle)',
    async (file, flavour) => {
      const h = history(file) as { events: { eventType: string }[] };
      // Not vacuous: a full run, from start to a closed state.
      expect(h.events[0].eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
      expect(h.events.at(-1)!.eventType).toMatch(/^EVENT_TYPE_WORKFLOW_EXECUTION_(COMPLETED|FAILED|CANCELED)$/);
      await Worker.runReplayHistory(
        { workflowBundle: current[flavour], sinks: TRACING_OFF.worker.sinks, replayName: `replay-${basename(file, '.json')}-${flavour}` },
        h,
        basename(file, '.json'),
      );
    },
  );
});

describe('the replay check catches a non-deterministic change', () => {
  it('fails with DeterminismViolationError when the first activity differs', async () => {
    const reordered = await bundleWorkflowCode({ workflowsPath: REORDERED, logger: new DefaultLogger('WARN') });
    const err = await Worker.runReplayHistory(
      { workflowBundle: reordered, replayName: 'replay-reordered' },
      history('0.1.0/success-shared-disk.json'),
      'reordered',
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeterminismViolationError);
    // For the intended reason: the scheduled activity differs (not, say, a history that failed to load).
    expect((err as Error).message).toContain(
      "Activity type of scheduled event 'findExistingImage' does not match activity type of activity command 'planExport'",
    );
  });
});
