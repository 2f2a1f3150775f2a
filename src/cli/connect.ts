// The CLI's Temporal connection. A wrong address must fail in seconds, naming the address and the setting to
// change: gRPC keeps retrying a refused port until its connect deadline (10 s), so a plain TCP connect goes
// first, and a refusal, an unknown host or silence ends the command at once. A server that accepts the
// connection but answers slowly (a loaded machine) still gets the SDK's full connect deadline.
import { connect as tcpConnect } from 'node:net';
import { Connection } from '@temporalio/client';
import type { TemporalSettings } from '../config';
import { ExitError } from './exit-error';

/** How long a TCP connect may take before the address counts as unreachable. */
const PROBE_MS = 3000;

export async function connectTemporal(t: TemporalSettings): Promise<Connection> {
  const fail = (why: string) =>
    new ExitError(
      `cannot reach Temporal at ${t.address} (${t.addressSource}): ${why}; check the address and that the server is running`,
      1,
    );
  // First: a refused port or an unknown host answers in milliseconds, where gRPC would retry until its deadline.
  const unreachable = await probe(t.address);
  if (unreachable) throw fail(unreachable);
  try {
    return await Connection.connect(t.connectionOptions);
  } catch (err) {
    throw fail(err instanceof Error ? err.message : String(err));
  }
}

/** Why `host:port` cannot be reached over TCP, or undefined when it can (or a proxy would be used instead). */
function probe(address: string): Promise<string | undefined> {
  const m = /^(?:\[([^\]]+)\]|([^:/[\]]+)):(\d+)$/.exec(address);
  const proxied = ['grpc_proxy', 'https_proxy', 'http_proxy'].some((v) => process.env[v] || process.env[v.toUpperCase()]);
  if (!m || proxied) return Promise.resolve(undefined);
  return new Promise((done) => {
    const socket = tcpConnect({ host: m[1] ?? m[2], port: Number(m[3]) });
    const end = (why: string | undefined) => {
      socket.destroy();
      done(why);
    };
    socket.setTimeout(PROBE_MS, () => end(`no answer within ${PROBE_MS / 1000} s`));
    socket.once('connect', () => end(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => end(describeSocketError(err)));
  });
}

function describeSocketError(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return 'unknown host';
  return err.message;
}
