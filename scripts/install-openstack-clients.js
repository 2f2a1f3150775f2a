#!/usr/bin/env node
// Installs the official OpenStack clients — openstacksdk and python-openstackclient (the `openstack` CLI) — into a
// project-local venv, .tools/openstack, for test/integration/openstack-clients.test.ts, which drives the cloud
// simulator with them. Runs on `npm install` (postinstall, after install-temporal.js).
//
// Pinned: the two packages below, and every package they pull in through openstack-clients-constraints.txt (the
// tree pip resolved for these pins), so every machine runs the same clients. Idempotent: a stamp of the pins and
// constraints skips the install when nothing changed. It never fails `npm install`: without Python or PyPI it says
// why, and the test skips itself, saying the same. EVS_EXPORT_SKIP_OPENSTACK_CLIENTS=1 skips the install.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const VENV = path.join(ROOT, '.tools', 'openstack');
const PINS = ['openstacksdk==4.22.0', 'python-openstackclient==10.5.0'];
const CONSTRAINTS = path.join(__dirname, 'openstack-clients-constraints.txt');
const STAMP = path.join(VENV, 'pins.txt');

function log(msg) {
  process.stderr.write(`[install-openstack-clients] ${msg}\n`);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  return r.status === 0;
}

function python() {
  for (const cmd of ['python3', 'python']) {
    const r = spawnSync(cmd, ['-c', 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 10) else 1)'], { stdio: 'ignore' });
    if (r.status === 0) return cmd;
  }
  return undefined;
}

function stamp() {
  return `${PINS.join('\n')}\n--\n${fs.readFileSync(CONSTRAINTS, 'utf8')}`;
}

function install() {
  const bin = path.join(VENV, 'bin', 'openstack');
  if (fs.existsSync(bin) && fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === stamp()) {
    log(`already installed: ${path.relative(ROOT, bin)}`);
    return true;
  }
  const py = python();
  if (!py) {
    log('no python3 (3.10 or newer, with the venv module) found');
    return false;
  }
  fs.rmSync(VENV, { recursive: true, force: true });
  if (!run(py, ['-m', 'venv', VENV])) return false;
  const pip = path.join(VENV, 'bin', 'pip');
  const args = ['install', '--quiet', '--disable-pip-version-check', '--no-input', '--constraint', CONSTRAINTS, ...PINS];
  if (!run(pip, args)) return false;
  if (!fs.existsSync(bin)) return false;
  fs.writeFileSync(STAMP, stamp());
  log(`installed ${PINS.join(', ')} into ${path.relative(ROOT, VENV)}`);
  return true;
}

function main() {
  if (process.env.EVS_EXPORT_SKIP_OPENSTACK_CLIENTS === '1') {
    log('EVS_EXPORT_SKIP_OPENSTACK_CLIENTS=1: not installing the OpenStack clients');
    return;
  }
  if (install()) return;
  // A half-made venv would look installed to nobody (no stamp), but remove it so the test's reason is plain.
  fs.rmSync(VENV, { recursive: true, force: true });
  log(
    'WARNING: could not install the OpenStack clients (openstacksdk, python-openstackclient) from PyPI. ' +
      'Make python3 (with venv) and PyPI reachable, then run `node scripts/install-openstack-clients.js`. ' +
      'Until then test/integration/openstack-clients.test.ts skips itself.',
  );
}

try {
  main();
} catch (err) {
  log(`unexpected error: ${err && err.stack}`);
}
