// The worker's metrics and traces, scraped and received over real HTTP: the Runtime's Prometheus endpoint, and an
// OTLP/HTTP receiver standing in for a collector, fed by the same exporter the worker uses (OTEL_TRACES_EXPORTER=otlp).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer } from 'node:net';
import { Client } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpObserver } from '../../src/cloud/http';
import { startExport } from '../../src/export-client';
import { METRICS, exposedName } from '../../src/telemetry/metric-names';
import { cloudCallMetrics, prometheusMetrics, watchServersHeld } from '../../src/telemetry/metrics';
import { observeAll, startTracing, type Tracing } from '../../src/telemetry/tracing';
import { TRACING_PATCH } from '../../src/workflows/tracing';
import { event, FAST_TIMINGS, failureOf, type HarnessOptions, patchesIn, runCliWithEnv, until, useHarness } from './harness';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** Collects the spans POSTed to /v1/traces (OTLP/HTTP JSON, what the exporter sends by default). */
async function otlpReceiver(): Promise<{ server: Server; url: string; spans: OtlpSpan[] }> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const doc = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const r of doc.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans };
}

async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((done) => s.close(() => done()));
  return port;
}

let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
let tracing: Tracing;
let metricsAddress = '';
// Filled in before the harness's own beforeAll reads it (hooks run in the order they are registered).
const options: HarnessOptions = {};
beforeAll(async () => {
  receiver = await otlpReceiver();
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  tracing = startTracing({ exporter: 'otlp', serviceName: 'evs-export-test' });
  options.traced = true;
  metricsAddress = `127.0.0.1:${await freePort()}`;
  options.telemetry = { metrics: prometheusMetrics(metricsAddress) };
  // Built before the Runtime is installed: the meter is looked up at the first attempt.
  let apiMetrics: HttpObserver | undefined;
  options.cloud = {
    observer: observeAll(
      { attempt: (info) => (apiMetrics ??= cloudCallMetrics(Runtime.instance().metricMeter)).attempt(info) },
      tracing.http,
    ),
  };
});
const h = useHarness(options);
afterAll(async () => {
  await tracing.shutdown();
  await new Promise((done) => receiver.server.close(done));
});

async function scrape(): Promise<string> {
  return (await fetch(`http://${metricsAddress}/metrics`)).text();
}

/** The value of one series, or undefined when absent; `labels` must all match. */
function valueOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...m[2].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

function labelValues(text: string): string[] {
  return [...text.matchAll(/\w+="([^"]*)"/g)].map((m) => m[1]);
}

function sharedDisk() {
  return h.admin.seed({
    servers: [{ name: 'web-1' }, { name: 'web-2' }],
    volumes: [{ name: 'shared', size: 10, multiattach: true, attachedTo: ['web-1', 'web-2'] }],
  });
}

describe('metrics on the worker endpoint', () => {
  it('counts the export, the downtime of each server, every API call by status, throttles, compensations and held servers', async () => {
    const seeded = sharedDisk();
    const volumeId = seeded.volumes[0].id;
    h.admin.addFault({ op: 'ecs.getServer', kind: 'throttle' });
    h.admin.setConfig({ timings: { uploadBaseMs: null } });
    const held = watchServersHeld(h.client, Runtime.instance().metricMeter, 200);
    let imageId = '';
    try {
      const result = await h.withWorker(async (tq) => {
        const run = await startExport(h.client, tq, { volumeId, imageName: 'img-metrics' });
        // While the disk uploads both servers are held stopped, and visibility (so the gauge) says so.
        await until(async () => valueOf(await scrape(), METRICS.serversHeld.name, { phase: 'held' }) === 2, 'both servers held');
        await event(h.admin, 'volume.uploading');
        h.admin.advance({ kind: 'upload', id: volumeId });
        return run.result();
      });
      expect(result.imageStatus).toBe('active');
      imageId = result.imageId;
      await until(async () => valueOf(await scrape(), METRICS.serversHeld.name, { phase: 'held' }) === 0, 'no server held');
    } finally {
      held.stop();
    }
    h.admin.setConfig(FAST_TIMINGS);

    const text = await scrape();
    const exports = exposedName(METRICS.exports);
    expect(valueOf(text, exports, { workflow: 'exportDiskImage', outcome: 'completed', strategy: 'direct' })).toBe(1);
    expect(valueOf(text, `${METRICS.downtime.name}_count`, { strategy: 'direct' })).toBe(2);
    expect(valueOf(text, `${METRICS.downtime.name}_sum`, { strategy: 'direct' })).toBeGreaterThan(0);
    const calls = exposedName(METRICS.apiCalls);
    expect(valueOf(text, calls, { service: 'evs', operation: 'evs.uploadImage', status: '202' })).toBe(1);
    expect(valueOf(text, calls, { service: 'ecs', operation: 'ecs.getServer', status: '429' })).toBe(1);
    expect(valueOf(text, exposedName(METRICS.apiThrottles), { service: 'ecs', operation: 'ecs.getServer' })).toBe(1);
    expect(valueOf(text, `${METRICS.apiLatency.name}_count`, { service: 'ims', operation: 'ims.getImage' })).toBeGreaterThan(0);
    // The SDK's own metrics come from the same endpoint.
    expect(text).toMatch(/^temporal_workflow_task_schedule_to_start_latency_bucket\{/m);

    // A run that fails after its servers stopped puts them back, and says so.
    const failing = sharedDisk();
    h.admin.addFault({ op: 'evs.uploadImage', kind: 'upload-fail' });
    await failureOf(
      h.withWorker(async (tq) => (await startExport(h.client, tq, { volumeId: failing.volumes[0].id, imageName: 'img-killed' })).result()),
    );
    const after = await scrape();
    expect(valueOf(after, exports, { workflow: 'exportDiskImage', outcome: 'failed', strategy: 'direct' })).toBe(1);
    const compensations = exposedName(METRICS.compensations);
    expect(after.split('\n').filter((l) => l.startsWith(`${compensations}{`) && l.includes('reason="failed"'))).toHaveLength(1);

    // No label carries an id or a secret: not the disks', servers' or images' ids, the password, a token or the keys.
    const account = h.admin.account;
    const secret = [account.password, account.secretKey, account.accessKey, ...h.admin.tokens()];
    const ids = [volumeId, failing.volumes[0].id, ...seeded.servers.map((s) => s.id), imageId];
    const values = labelValues(after);
    for (const s of [...secret, ...ids].filter(Boolean)) expect(values.some((v) => v.includes(s))).toBe(false);
    for (const s of secret) expect(after).not.toContain(s);
  });
});

describe('a trace of one export', () => {
  it('has the CLI start, the workflow, each activity and each HTTP call, in one trace', async () => {
    const seeded = sharedDisk();
    const volumeId = seeded.volumes[0].id;
    const attempts = () => Object.values(h.cloud.callCounts()).reduce((a, b) => a + b, 0);
    const before = attempts();
    // The worker's own client (the holds are taken with it from an activity) carries the trace on too.
    const traced = new Client({ connection: h.client.connection, interceptors: tracing.client });
    await h.withWorker(
      async (tq) => {
        const env = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
        const cli = await runCliWithEnv(h, tq, env, 'export', '--volume', volumeId, '--image-name', 'img-traced', '--wait');
        expect(cli.code, cli.stderr).toBe(0);
      },
      { tracing, client: traced },
    );
    const handle = h.client.workflow.getHandle(`export-${volumeId}`);

    await tracing.flush();
    const start = await until(() => receiver.spans.find((s) => s.name === 'StartWorkflow:exportDiskImage'), 'the span of the CLI');
    const inTrace = () => receiver.spans.filter((s) => s.traceId === start.traceId);
    await until(() => inTrace().some((s) => s.name === 'RunWorkflow:exportDiskImage'), 'the workflow span (sent through the sink)');
    const names = new Set(inTrace().map((s) => s.name));

    // Each activity the export scheduled has its span in the same trace.
    const history = await handle.fetchHistory();
    const activityTypes = new Set(
      history.events!.flatMap((e) =>
        e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : [],
      ),
    );
    expect(activityTypes.size).toBeGreaterThan(2);
    // A tracing worker's new run records the tracing patch (a worker without tracing adds none: export.test.ts).
    expect(patchesIn(history)).toContain(TRACING_PATCH);
    for (const type of activityTypes) expect(names).toContain(`RunActivity:${type}`);
    // The holds' stop and start, taken by update-with-start from an activity, are in it too.
    expect(
      [...names].filter((n) => n.startsWith('RunActivity:') && !activityTypes.has(n.slice('RunActivity:'.length))).length,
    ).toBeGreaterThan(0);

    // Every HTTP attempt the cloud saw is a span, a child of an activity's span, with no query string or secret.
    const httpSpans = () => inTrace().filter((s) => /^(GET|POST|PUT|DELETE|HEAD) /.test(s.name));
    // The holds may still read a server after the result: flush until the spans and the worker's count agree.
    await until(async () => {
      await tracing.flush();
      return httpSpans().length === attempts() - before;
    }, 'a span for every HTTP attempt of the worker');
    const http = httpSpans();
    expect(http.length).toBeGreaterThan(10);
    const byId = new Map(inTrace().map((s) => [s.spanId, s]));
    for (const s of http) expect(byId.get(s.parentSpanId ?? '')?.name).toMatch(/^RunActivity:/);
    const attr = (s: OtlpSpan, k: string) => s.attributes.find((a) => a.key === k)?.value;
    expect(http.map((s) => attr(s, 'cloud.operation')?.stringValue)).toContain('evs.uploadImage');
    for (const s of http) expect(String(attr(s, 'url.full')?.stringValue)).not.toContain('?');
    const account = h.admin.account;
    const dump = JSON.stringify(receiver.spans);
    for (const s of [account.password, account.secretKey, ...h.admin.tokens()].filter(Boolean)) expect(dump).not.toContain(s);
  });
});
