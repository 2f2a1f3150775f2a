// P7: credentials and tokens never reach workflow history, search attributes, memo, heartbeat details, failure
// messages or log lines. Three runs — a success that goes through a refused token (re-authentication) and a
// failed-then-retried activity, a failed upload, and a worker whose password Keystone refuses — then every
// piece of text Temporal and the logger kept is searched for the password(s) and every token the simulator issued.
//
// The logger is installed through the harness before anything else in this file: Runtime.install happens once per
// test process. The cloud clients of these runs log through the same logger, so the client's own request and
// retry lines are searched too. (Core's native log lines are not forwarded by the harness; they never see a token.)
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudClient, loadCloudConfig } from '../../src/cloud';
import type { CloudApi } from '../../src/cloud/types';
import { type ExportHandle, startExport } from '../../src/export-client';
import { FailureType, holdWorkflowId, progressQuery } from '../../src/workflows/api';
import { createHarness, FAST_TIMINGS, type Harness } from './harness';

// ---------------------------------------------------------------------------------------------------------
// Every piece of text in a value, with where it was found: strings, object keys, payload bytes decoded as UTF-8
// (inputs, results, failure details, heartbeat details, search attributes, memo, user metadata), and all own
// properties of errors (message, stack, cause, the raw failure proto).

interface Text {
  where: string;
  text: string;
}

function texts(value: unknown, where: string, out: Text[] = [], seen = new WeakSet<object>()): Text[] {
  if (typeof value === 'string') {
    out.push({ where, text: value });
  } else if (value instanceof Uint8Array) {
    out.push({ where, text: Buffer.from(value).toString('utf8') });
  } else if (typeof value === 'object' && value !== null) {
    if (seen.has(value)) return out;
    seen.add(value);
    if (value instanceof Map) {
      for (const [k, v] of value) texts(v, `${where}[${String(k)}]`, out, seen);
      return out;
    }
    const keys = value instanceof Error ? Object.getOwnPropertyNames(value) : Object.keys(value);
    for (const k of keys) {
      out.push({ where: `${where}.${k} (key)`, text: k });
      texts((value as Record<string, unknown>)[k], `${where}.${k}`, out, seen);
    }
  }
  return out;
}

/** Where each secret occurs; secrets are named, never printed. */
function leaks(found: Text[], secrets: Record<string, string>): string[] {
  const hits: string[] = [];
  for (const { where, text } of found) {
    for (const [name, secret] of Object.entries(secrets)) if (text.includes(secret)) hits.push(`${where} contains ${name}`);
  }
  return hits;
}

/** Awaits a condition with a deadline (never a sleep as synchronisation). */
async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------------------------------------

const logged: Text[] = [];
let h: Harness;
const logger = new DefaultLogger('DEBUG', (entry: LogEntry) => {
  texts({ level: entry.level, message: entry.message, meta: entry.meta }, `log[${logged.length}]`, logged);
});

interface Run {
  name: string;
  handle: ExportHandle;
  outcome: unknown;
  progress: unknown;
  history: Awaited<ReturnType<ExportHandle['fetchHistory']>>;
  description: Awaited<ReturnType<ExportHandle['describe']>>;
  searchAttributes: unknown;
  memo: unknown;
  staticSummary: unknown;
  staticDetails: unknown;
  /** A description taken while a wait ran: its pending activity's heartbeat details and last failure. */
  pending?: Awaited<ReturnType<ExportHandle['describe']>>;
  /** Histories of the server holds the run took (stop and start happen there). */
  holdHistories: Awaited<ReturnType<ExportHandle['fetchHistory']>>[];
}

const runs: Run[] = [];
let secrets: Record<string, string> = {};
let tokenCount = 0;
const clients: CloudApi[] = [];

function withWorker<T>(cloud: CloudApi, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  return h.withWorker(fn, { cloud });
}

async function record(name: string, handle: ExportHandle, during?: Run['pending']): Promise<Run> {
  const outcome = await handle.result().then(
    (r) => r as unknown,
    (e: unknown) => e,
  );
  const progress = await handle.query(progressQuery);
  const description = await handle.describe();
  const holdHistories = await Promise.all(
    progress.servers.map((sv) => h.client.workflow.getHandle(holdWorkflowId(sv.serverId)).fetchHistory()),
  );
  return {
    name,
    handle,
    outcome,
    progress,
    history: await handle.fetchHistory(),
    description,
    searchAttributes: description.typedSearchAttributes.getAll(),
    memo: description.memo,
    staticSummary: await description.staticSummary(),
    staticDetails: await description.staticDetails(),
    pending: during,
    holdHistories,
  };
}

function eventTypes(r: Run): string[] {
  return (r.history.events ?? []).map((e) => temporal.api.enums.v1.EventType[e.eventType ?? 0]);
}

function scheduled(r: Pick<Run, 'history'>): string[] {
  return (r.history.events ?? []).flatMap((e) =>
    e.activityTaskScheduledEventAttributes ? [String(e.activityTaskScheduledEventAttributes.activityType?.name)] : [],
  );
}

function everything(): Text[] {
  const found: Text[] = [...logged];
  for (const r of runs) {
    texts(r.history, `${r.name}.history`, found);
    r.holdHistories.forEach((hh, i) => texts(hh, `${r.name}.holdHistory[${i}]`, found));
    texts(r.description, `${r.name}.describe`, found);
    texts(r.pending, `${r.name}.describeWhileWaiting`, found);
    texts(r.searchAttributes, `${r.name}.searchAttributes`, found);
    texts(r.memo, `${r.name}.memo`, found);
    texts([r.staticSummary, r.staticDetails], `${r.name}.userMetadata`, found);
    texts(r.outcome, `${r.name}.outcome`, found);
    texts(r.progress, `${r.name}.progress`, found);
  }
  return found;
}

beforeAll(async () => {
  // First thing in this file: the harness installs the Runtime with this logger.
  h = await createHarness({ logger });
  const password = h.sim.cloudEnv.OS_PASSWORD;
  const wrongPassword = `wrong-${randomUUID()}`;
  const cloud = createCloudClient(loadCloudConfig({ env: h.sim.cloudEnv }), { logger });
  const refused = createCloudClient(loadCloudConfig({ env: { ...h.sim.cloudEnv, OS_PASSWORD: wrongPassword } }), { logger });
  clients.push(cloud, refused);

  // 1. Success, through a refused token (the client authenticates again) and an activity attempt that fails on
  //    three 500s (its failure is kept in history as the next attempt's lastFailure).
  h.admin.setConfig({ timings: { uploadBaseMs: null } });
  const shared = h.admin.seed({
    servers: [{ name: 'a' }, { name: 'b' }],
    volumes: [{ name: 'shared', size: 10, multiattach: true, attachedTo: ['a', 'b'] }],
  });
  const volumeId = shared.volumes[0].id;
  h.admin.addFault({ op: 'evs.getVolume', kind: 'error', status: 401 });
  h.admin.addFault({ op: 'ecs.getServer', target: shared.servers[0].id, kind: 'error', status: 500, times: 3 });
  runs.push(
    await withWorker(cloud, async (tq) => {
      const handle = await startExport(h.client, tq, { volumeId, imageName: 'secrets-ok', tags: ['p7'] });
      const during = await until(
        async () => {
          const d = await handle.describe();
          const wait = d.raw.pendingActivities?.find((a) => a.activityType?.name === 'awaitVolumeReleased');
          // A wait between two reads: its last read's NotReady failure is on the pending activity.
          return wait?.lastFailure?.message ? d : undefined;
        },
        'the upload wait to have read the disk',
        45_000,
      );
      h.admin.advance({ kind: 'upload', id: volumeId });
      return record('success', handle, during);
    }),
  );
  h.admin.setConfig(FAST_TIMINGS);

  // 2. Failure: the upload ends killed; the servers are restarted and the run fails naming the image.
  const single = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'data', size: 10, attachedTo: ['app'] }] });
  h.admin.addFault({ op: 'evs.uploadImage', kind: 'upload-fail' });
  runs.push(
    await withWorker(cloud, async (tq) =>
      record('killed', await startExport(h.client, tq, { volumeId: single.volumes[0].id, imageName: 'secrets-killed' })),
    ),
  );

  // 3. Failure: Keystone refuses the worker's password; the run fails before anything is touched.
  const loose = h.admin.seed({ volumes: [{ name: 'loose', size: 1 }] });
  runs.push(
    await withWorker(refused, async (tq) =>
      record('refused', await startExport(h.client, tq, { volumeId: loose.volumes[0].id, imageName: 'secrets-refused' })),
    ),
  );

  // Every token the simulator issued in this file (the clients hold them as X-Subject-Token), plus one of our own.
  const sim = h.admin;
  const a = sim.account;
  const res = await fetch(`${h.sim.url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: a.userName, password, domain: { name: a.userDomainName } } } },
        scope: { project: { id: a.projectId } },
      },
    }),
  });
  await res.text();
  const own = res.headers.get('x-subject-token');
  if (!own) throw new Error(`keystone gave no X-Subject-Token (HTTP ${res.status})`);
  const issued = sim.tokens();
  tokenCount = issued.length;
  secrets = {
    password,
    'the refused password': wrongPassword,
    ...Object.fromEntries(issued.map((t, i) => [`token #${i + 1}${t === own ? ' (our own)' : ''}`, t])),
  };
}, 120_000);

afterAll(async () => {
  for (const c of clients) await c.close();
  await h?.close();
});

describe('no credential or token reaches Temporal or the logs (P7)', () => {
  it('has real evidence to search: full histories, the expected failures, secrets and log lines', () => {
    const [ok, killed, refused] = runs;
    expect(eventTypes(ok)[0]).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
    expect(eventTypes(ok).at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    expect(scheduled(ok)).toEqual(
      expect.arrayContaining([
        'planExportOrFindImage',
        'acquireHolds',
        'requestExport',
        'awaitVolumeReleased',
        'awaitImageActive',
        'tagImage',
      ]),
    );
    expect(ok.holdHistories).toHaveLength(2);
    for (const hh of ok.holdHistories) expect(scheduled({ history: hh })).toEqual(expect.arrayContaining(['readServer', 'power']));
    // The failed attempt of planExport is in history as the retry's lastFailure.
    expect((ok.history.events ?? []).some((e) => e.activityTaskStartedEventAttributes?.lastFailure?.message?.includes('500'))).toBe(true);
    expect(ok.pending?.raw.pendingActivities?.some((p) => p.lastFailure?.message?.includes('the disk is uploading'))).toBe(true);

    for (const [r, type] of [
      [killed, FailureType.ImageFailed],
      [refused, FailureType.CloudRejected],
    ] as const) {
      expect(eventTypes(r).at(-1)).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_FAILED');
      expect(r.outcome).toBeInstanceOf(WorkflowFailedError);
      const cause = (r.outcome as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe(type);
    }
    expect(scheduled(killed)).toEqual(expect.arrayContaining(['acquireHolds', 'requestExport', 'describeImage']));
    expect(((refused.outcome as WorkflowFailedError).cause as Error).message).toContain('401');

    // Two tokens for the worker's client at least (the first one was refused once), plus ours.
    expect(tokenCount).toBeGreaterThanOrEqual(3);
    for (const s of Object.values(secrets)) expect(s.length).toBeGreaterThanOrEqual(8);
    const messages = logged.filter((t) => t.where.endsWith('.message')).map((t) => t.text);
    expect(messages).toEqual(
      expect.arrayContaining(['Activity completed', 'cloud request', 'cloud token refused; authenticating again and replaying once']),
    );
  });

  it('the search looks inside payloads, search attributes, heartbeat details and failures', () => {
    const found = everything();
    const at = (part: string, needle: string) => found.some((t) => t.where.includes(part) && t.text.includes(needle));
    const [ok, killed] = runs;
    expect(at(`${ok.name}.history`, '"imageName":"secrets-ok"')).toBe(true); // the input payload, decoded
    expect(at(`${ok.name}.describe`, ok.handle.workflowId.slice('export-'.length))).toBe(true); // EvsVolumeId search attribute
    expect(at(`${ok.name}.describeWhileWaiting`, 'the disk is uploading')).toBe(true); // a pending wait's last failure
    // Failure stack traces, as sent by the worker.
    expect(
      found.some((t) => t.where.startsWith(`${killed.name}.history`) && t.where.endsWith('.stackTrace') && t.text.includes('    at ')),
    ).toBe(true);
  });

  it('would find the password if it were there (the check can fail)', () => {
    const password = h.sim.cloudEnv.OS_PASSWORD;
    const token = Object.entries(secrets).find(([k]) => k.startsWith('token'))![1];
    const planted = {
      events: [
        {
          activityTaskScheduledEventAttributes: {
            input: { payloads: [defaultPayloadConverter.toPayload({ env: `OS_PASSWORD=${password}` })] },
          },
        },
      ],
      failure: ApplicationFailure.create({ message: 'outer', cause: new Error(`X-Auth-Token: ${token}`) }),
    };
    const hits = leaks(texts(planted, 'planted'), secrets);
    expect(hits).toContain('planted.events.0.activityTaskScheduledEventAttributes.input.payloads.0.data contains password');
    expect(hits.some((x) => x.startsWith('planted.failure.cause.message contains token'))).toBe(true);
  });

  it('finds none in histories, descriptions, search attributes, memo, heartbeat details, failures, results or log lines', () => {
    expect(leaks(everything(), secrets)).toEqual([]);
  });
});
