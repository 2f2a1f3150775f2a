// Clients no one here wrote, against the simulator: the official `openstack` CLI (python-openstackclient) and
// openstacksdk, installed by `npm install` into .tools/openstack (scripts/install-openstack-clients.js), run as
// child processes against a simulator on real HTTP, from a clouds.yaml that names it. They authenticate, read a
// disk and its server, stop and start the server, export the disk with `image create --volume`
// (os-volume_upload_image), and read the image back; the test checks their parsed `-f json` output and the
// simulator's own record (its state, its events, its oracle). Where they disagree with the simulator, the simulator
// was wrong unless the cloud's documentation says otherwise: docs/cloud-api.md §12 lists what they found.
// Each dialect the simulator speaks runs the same checks.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FAST_TIMINGS } from '../../src/dev/fast';
import { createSim, type SimServer } from '../../src/sim';
import type { SeedResult, SimDialect, SimEvent, SimHandle } from '../../src/sim/types';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, '.tools', 'openstack', 'bin');
const OPENSTACK = join(BIN, 'openstack');
const PYTHON = join(BIN, 'python');
const SDK_CHECKS = join(ROOT, 'test', 'fixtures', 'openstack-clients', 'sdk_checks.py');
const CLOUD = 'evs-sim';
/** The Python CLI starts slowly (about 2 s, far more on a busy machine); every call gets this long. */
const CALL_TIMEOUT_MS = 180_000;
const TEST_TIMEOUT_MS = 600_000;

const missing = existsSync(OPENSTACK)
  ? undefined
  : `${OPENSTACK} is missing: \`npm install\` installs openstacksdk and python-openstackclient there from PyPI ` +
    '(scripts/install-openstack-clients.js; it says why when it cannot — no python3, no PyPI, or EVS_EXPORT_SKIP_OPENSTACK_CLIENTS=1)';
if (missing) console.warn(`openstack-clients test skipped: ${missing}`);

/** Both clouds the simulator plays: OTC's catalog (EVS, ECS, IMS) and a vanilla one (Cinder, Nova, Glance). */
const DIALECTS: SimDialect[] = ['otc', 'openstack'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolvePromise) => {
    execFile(file, args, { env, timeout: CALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** What test/fixtures/openstack-clients/sdk_checks.py prints. */
interface SdkChecks {
  token: boolean;
  project_id: string;
  volume: Record<string, unknown>;
  server: Record<string, unknown>;
  stopped: Record<string, unknown>;
  upload: Record<string, unknown> & { image_id: string };
  image: Record<string, unknown>;
  volume_after: Record<string, unknown>;
  started: Record<string, unknown>;
  listed: Record<string, unknown>[];
  found: Record<string, unknown>;
  start_again: Record<string, unknown>;
}

/** Manual transitions: the test moves each stop, start, upload and image activation on, so every client sees them. */
const MANUAL = { timings: { stopMs: null, startMs: null, uploadBaseMs: null, imageActivateMs: null } };

describe.skipIf(missing !== undefined)('the official OpenStack clients against the simulator', () => {
  describe.each(DIALECTS)('%s dialect', (dialect) => {
    let server: SimServer;
    let admin: SimHandle;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    let w: SeedResult;
    const ids = () => ({
      app: w.servers[0].id,
      off: w.servers[1].id,
      system: w.volumes[0].id,
      data: w.volumes[1].id,
      base: w.images[0].id,
    });

    beforeAll(async () => {
      server = await createSim({ dialect, config: MANUAL });
      admin = server.sim;
      dir = mkdtempSync(join(tmpdir(), 'evs-osc-'));
      const e = server.cloudEnv;
      const auth: Record<string, string> = { auth_url: e.OS_AUTH_URL, username: e.OS_USERNAME, password: e.OS_PASSWORD };
      if (e.OS_USER_DOMAIN_NAME) auth.user_domain_name = e.OS_USER_DOMAIN_NAME;
      if (e.OS_PROJECT_ID) auth.project_id = e.OS_PROJECT_ID;
      else auth.project_name = e.OS_PROJECT_NAME;
      if (e.OS_PROJECT_DOMAIN_NAME) auth.project_domain_name = e.OS_PROJECT_DOMAIN_NAME;
      const cloud = { auth_type: 'password', auth, region_name: e.OS_REGION_NAME, interface: 'public', identity_api_version: 3 };
      writeFileSync(join(dir, 'clouds.yaml'), stringify({ clouds: { [CLOUD]: cloud } }));
      // Only the clouds.yaml speaks: no OS_* variables, a HOME of its own (the SDK's caches), no proxy for loopback.
      env = {
        PATH: process.env.PATH,
        HOME: dir,
        LANG: 'C.UTF-8',
        OS_CLIENT_CONFIG_FILE: join(dir, 'clouds.yaml'),
        NO_PROXY: '127.0.0.1,localhost',
        no_proxy: '127.0.0.1,localhost',
      };
    });
    afterAll(async () => {
      await server?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(() => {
      admin.reset();
      // `app` runs, booted from `base-image`, with its system disk; `off` is stopped, with a data disk.
      w = admin.seed({
        images: [{ name: 'base-image' }],
        servers: [
          { name: 'app', image: 'base-image' },
          { name: 'off', status: 'SHUTOFF' },
        ],
        volumes: [
          { name: 'app-system', size: 10, bootable: true, attachedTo: ['app'], volumeImageMetadata: { __os_type: 'Linux' } },
          { name: 'off-data', size: 20, attachedTo: ['off'] },
        ],
      });
    });
    afterEach(() => {
      const o = admin.oracle();
      expect(o.p1Violations).toEqual([]);
      expect(o.serversNotRestored).toEqual([]);
      expect(o.duplicateExports).toEqual([]);
    });

    /** `openstack --os-cloud <sim> <args…>`; fails the test, with the CLI's own words, unless it exits 0. */
    async function osc(...args: string[]): Promise<string> {
      const r = await run(OPENSTACK, ['--os-cloud', CLOUD, ...args], env);
      if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
      return r.stdout;
    }
    const oscJson = async <T = Record<string, unknown>>(...args: string[]): Promise<T> => JSON.parse(await osc(...args, '-f', 'json')) as T;
    /** A call the cloud must refuse: its exit code and what it printed. */
    const oscRefused = (...args: string[]) => run(OPENSTACK, ['--os-cloud', CLOUD, ...args], env);

    const calls = (op: string) => admin.events().filter((e) => e.type === 'api.call' && e.op === op);
    const eventsOf = (type: string): SimEvent[] => admin.events().filter((e) => e.type === type);

    it(
      'authenticates from clouds.yaml: `token issue` shows a token Keystone issued for the project',
      async () => {
        const token = await oscJson('token', 'issue');
        expect(token.project_id).toBe(admin.account.projectId);
        expect(admin.tokens()).toContain(token.id);
        expect(calls('keystone.token').map((e) => e.status)).toEqual([201]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'reads a disk and its server: `volume show`, `server show`',
      async () => {
        const { app, system, data, base } = ids();
        const disk = await oscJson('volume', 'show', system);
        expect(disk).toMatchObject({ id: system, name: 'app-system', status: 'in-use', size: 10, bootable: true, multiattach: false });
        expect((disk.attachments as { server_id: string }[]).map((a) => a.server_id)).toEqual([app]);

        const vm = await oscJson('server', 'show', app);
        expect(vm).toMatchObject({
          id: app,
          name: 'app',
          status: 'ACTIVE',
          'OS-EXT-STS:vm_state': 'active',
          'OS-EXT-STS:task_state': null,
        });
        expect((vm.volumes_attached as { id: string }[]).map((v) => v.id)).toEqual([system]);
        // The CLI looks the boot image up in the image service and the flavor in the compute service.
        expect(vm.image).toBe(`base-image (${base})`);
        expect(vm.flavor).toMatch(/\S/);
        expect(calls('ecs.getServer').every((e) => e.status === 200)).toBe(true);
        expect(calls('ims.getImage').map((e) => e.status)).toEqual([200]);
        // Nothing was changed by reading.
        expect(admin.state().volumes.find((v) => v.id === data)?.status).toBe('in-use');
        expect(calls('ecs.stop')).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'stops and starts a server: `server stop`, `server start`, the transitional states in between, and 409 for a server already stopped',
      async () => {
        const { app } = ids();
        const show = () => oscJson('server', 'show', app, '-c', 'status', '-c', 'OS-EXT-STS:task_state', '-c', 'OS-EXT-STS:vm_state');

        expect(await osc('server', 'stop', app)).toBe('');
        expect(calls('ecs.stop').map((e) => [e.method, e.status])).toEqual([['POST', 202]]);
        // A server being stopped still reads ACTIVE, with its task (cloud-api.md §4.2).
        expect(await show()).toEqual({ status: 'ACTIVE', 'OS-EXT-STS:task_state': 'powering-off', 'OS-EXT-STS:vm_state': 'active' });
        admin.advance({ kind: 'stop', id: app });
        expect(await show()).toEqual({ status: 'SHUTOFF', 'OS-EXT-STS:task_state': null, 'OS-EXT-STS:vm_state': 'stopped' });

        const again = await oscRefused('server', 'stop', app);
        expect(again.code).toBe(1);
        expect(again.stderr).toContain(`Cannot 'stop' instance ${app} while it is in vm_state stopped`);
        expect(calls('ecs.stop').map((e) => e.status)).toEqual([202, 409]);

        expect(await osc('server', 'start', app)).toBe('');
        expect(await show()).toEqual({ status: 'SHUTOFF', 'OS-EXT-STS:task_state': 'powering-on', 'OS-EXT-STS:vm_state': 'stopped' });
        admin.advance({ kind: 'start', id: app });
        expect(await show()).toEqual({ status: 'ACTIVE', 'OS-EXT-STS:task_state': null, 'OS-EXT-STS:vm_state': 'active' });

        // The simulator's record: one stop and one start of that server, each outside any ECS job.
        const power = admin.events().filter((e) => e.type.startsWith('server.'));
        expect(power.map((e) => [e.type, e.serverId, e.jobId])).toEqual([
          ['server.stopping', app, null],
          ['server.stopped', app, null],
          ['server.starting', app, null],
          ['server.started', app, null],
        ]);
        expect(admin.state().jobs).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'exports a disk: `image create --volume` (os-volume_upload_image), then `volume show`, `image show` and `image list`',
      async () => {
        const { off, data } = ids();
        const project = admin.account.projectId;

        // Without --force an attached disk is refused, as Cinder and EVS both do; the disk is untouched.
        const refused = await oscRefused('image', 'create', '--volume', data, 'refused', '-f', 'json');
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain('400');
        expect(calls('evs.uploadImage').map((e) => e.status)).toEqual([400]);
        if (dialect === 'openstack') {
          // Vanilla Cinder honours force only with enable_force_upload (default False, cloud-api.md §3.4).
          const forced = await oscRefused('image', 'create', '--volume', data, '--force', 'refused', '-f', 'json');
          expect(forced.code).toBe(1);
          expect(forced.stderr).toContain('status must be available');
          admin.setConfig({ allowForcedUpload: true });
        }

        // Its server is stopped (seeded SHUTOFF), so the forced export breaks no promise (the oracle checks P1).
        const upload = await oscJson('image', 'create', '--volume', data, '--force', 'exported-1');
        expect(upload).toMatchObject({
          id: data,
          image_name: 'exported-1',
          status: 'uploading',
          disk_format: 'raw',
          container_format: 'bare',
        });
        const imageId = upload.image_id as string;
        expect(imageId).toMatch(/^[0-9a-f-]{36}$/);
        expect(calls('evs.uploadImage').at(-1)?.status).toBe(202);
        expect(eventsOf('volume.uploading').map((e) => [e.volumeId, e.imageId, e.force])).toEqual([[data, imageId, true]]);

        expect(await oscJson('volume', 'show', data, '-c', 'status')).toEqual({ status: 'uploading' });
        const saving = await oscJson('image', 'show', imageId);
        expect(saving).toMatchObject({ id: imageId, name: 'exported-1', owner: project });
        expect(['queued', 'saving']).toContain(saving.status);

        admin.advance({ kind: 'upload', id: data });
        admin.advance({ kind: 'image', id: imageId });
        const image = await oscJson('image', 'show', imageId);
        expect(image).toMatchObject({ id: imageId, name: 'exported-1', status: 'active', disk_format: 'raw', container_format: 'bare' });
        if (dialect === 'otc') expect(image.properties).toMatchObject({ __data_origin: `volume,${data}`, __imagetype: 'private' });
        expect(await oscJson('volume', 'show', data, '-c', 'status')).toEqual({ status: 'in-use' });

        const listed = await oscJson<{ ID: string; Name: string; Status: string }[]>('image', 'list', '--name', 'exported-1');
        expect(listed).toEqual([{ ID: imageId, Name: 'exported-1', Status: 'active' }]);
        const all = await oscJson<{ ID: string }[]>('image', 'list');
        expect(all.map((i) => i.ID).sort()).toEqual([ids().base, imageId].sort());

        const o = admin.oracle();
        expect(o.exports).toMatchObject([{ volumeId: data, imageId, imageName: 'exported-1', force: true }]);
        expect(admin.state().servers.find((s) => s.id === off)?.status).toBe('SHUTOFF');
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'openstacksdk: openstack.connect(cloud=…) reads, stops, exports, waits, restarts, lists and is refused a second start',
      async () => {
        const { app, system } = ids();
        // The SDK's own waits poll; the simulator's transitions run by themselves here. The disk stays attached
        // (force), which the openstack dialect allows only as a cloud with enable_force_upload does.
        admin.setConfig({ ...FAST_TIMINGS, ...(dialect === 'openstack' ? { allowForcedUpload: true } : {}) });
        const r = await run(PYTHON, [SDK_CHECKS, CLOUD, system, app, 'sdk-export'], env);
        if (r.code !== 0) throw new Error(`sdk_checks.py exited ${r.code}:\n${r.stderr}`);
        const out = JSON.parse(r.stdout) as SdkChecks;

        expect(out.token).toBe(true);
        expect(out.project_id).toBe(admin.account.projectId);
        expect(out.volume).toMatchObject({
          id: system,
          name: 'app-system',
          status: 'in-use',
          size: 10,
          is_bootable: true,
          attached_servers: [app],
        });
        expect(out.server).toMatchObject({
          id: app,
          name: 'app',
          status: 'ACTIVE',
          vm_state: 'active',
          task_state: null,
          attached_volumes: [system],
        });
        expect(out.stopped).toMatchObject({ status: 'SHUTOFF', vm_state: 'stopped', task_state: null });
        expect(out.upload).toMatchObject({ id: system, image_name: 'sdk-export', status: 'uploading', disk_format: 'raw' });
        const imageId = out.upload.image_id;
        const image = { id: imageId, name: 'sdk-export', status: 'active', disk_format: 'raw', owner: admin.account.projectId };
        expect(out.image).toEqual(image);
        expect(out.volume_after).toMatchObject({ status: 'in-use', attached_servers: [app] });
        expect(out.started).toMatchObject({ status: 'ACTIVE', vm_state: 'active', task_state: null });
        expect(out.listed).toEqual([image]);
        expect(out.found).toEqual(image);
        expect(out.start_again).toEqual({
          refused: true,
          status: 409,
          message: `Cannot 'start' instance ${app} while it is in vm_state active`,
        });

        // The simulator saw the saga's order: stopped, then exported, then started once the upload was over.
        const order = admin
          .events()
          .filter((e) => ['server.stopped', 'volume.uploading', 'volume.released', 'server.starting'].includes(e.type))
          .map((e) => e.type);
        expect(order).toEqual(['server.stopped', 'volume.uploading', 'volume.released', 'server.starting']);
        expect(admin.oracle().exports).toMatchObject([{ volumeId: system, imageId, force: true }]);
      },
      TEST_TIMEOUT_MS,
    );
  });
});
