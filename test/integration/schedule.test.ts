// Golden images on a schedule, through the CLI as an operator runs it: a schedule's builds render their names from
// the template and the action's time, tag the lineage, and keep the newest N — skipping images in use or protected,
// deleting nothing after a failed build — and list/describe/pause/unpause/trigger/backfill/delete say what they did.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lineageTag, sourceVolumeTag } from '../../src/workflows/api';
import { runCli, until, useHarness } from './harness';

const h = useHarness();
const cli = (taskQueue: string, ...args: string[]) => runCli(h, taskQueue, ...args);
const json = <T>(r: { code: number; stdout: string; stderr: string }): T => {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
};

interface Described {
  paused: boolean;
  settings: { keep?: number; nameTemplate: string };
  recentBuilds: {
    status: string;
    imageName?: string;
    failureType?: string;
    retention?: { kept: number; deleted: string[]; skipped: { imageId: string; reason: string }[] };
  }[];
}

const images = () => h.admin.state().images;

/** The schedule's description once it has `n` builds and none is running. */
function buildsDone(tq: string, scheduleId: string, n: number): Promise<Described> {
  return until(
    async () => {
      const d = json<Described>(await cli(tq, 'schedule', 'describe', scheduleId, '--json'));
      return d.recentBuilds.length >= n && d.recentBuilds.every((b) => b.status !== 'RUNNING') ? d : undefined;
    },
    `${n} builds`,
    60_000,
  );
}

describe('evs-export schedule', () => {
  // Three builds and a dozen CLI processes: more than the default minute on a busy 2-core machine.
  it(
    'builds, names, tags and keeps the newest two; skips images in use or protected; a failure deletes nothing',
    { timeout: 150_000 },
    async () => {
      const scheduleId = `golden-${randomUUID().slice(0, 8)}`;
      const seeded = h.admin.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'web-sys', size: 5, attachedTo: ['app'] }] });
      const volumeId = seeded.volumes[0].id;
      const lineage = [lineageTag.schedule(scheduleId), sourceVolumeTag(volumeId)];
      // Two old images of the lineage: one a server boots from, one protected. Retention must leave both.
      const old = h.admin.seed({
        images: [
          { name: 'old-booted', tags: lineage, createdAt: '2026-01-01T00:00:00Z' },
          { name: 'old-protected', tags: lineage, protected: true, createdAt: '2026-01-02T00:00:00Z' },
        ],
        servers: [{ name: 'booted', image: 'old-booted' }],
      });
      const [booted, protectedImage] = old.images!.map((i) => i.id);

      await h.withWorker(async (tq) => {
        const created = await cli(
          tq,
          'schedule',
          'create',
          '--id',
          scheduleId,
          '--volume',
          volumeId,
          '--name-template',
          'golden-{volumeName}-{date}-{time}',
          '--every',
          '24h',
          '--keep',
          '2',
          '--pause-on-failure',
          '--json',
        );
        expect(json<{ exampleName: string }>(created).exampleName).toMatch(/^golden-web-sys-\d{8}-\d{6}$/);

        const builds = (n: number) => buildsDone(tq, scheduleId, n);
        for (let i = 1; i <= 3; i++) {
          json(await cli(tq, 'schedule', 'trigger', scheduleId, '--json'));
          await builds(i);
        }
        const third = (await builds(3)).recentBuilds.at(-1)!;
        // Three builds, three images; retention (keep 2) removed the first one.
        expect(h.admin.events().filter((e) => e.type === 'image.created')).toHaveLength(3);
        const ours = images().filter((x) => String(x.name).startsWith('golden-web-sys-'));
        expect(ours).toHaveLength(2);
        for (const x of ours)
          expect(x.tags).toEqual(expect.arrayContaining([...lineage, lineageTag.server(seeded.servers[0].id), lineageTag.version()]));
        // keep 2: the first build's image went; the old booted and the protected one stay, with their reasons.
        expect(third.retention!.kept).toBe(2);
        expect(third.retention!.deleted).toHaveLength(1);
        expect(third.retention!.skipped).toEqual(
          expect.arrayContaining([
            { imageId: booted, name: 'old-booted', reason: expect.stringMatching(/server booted .* booted from it/) },
            { imageId: protectedImage, name: 'old-protected', reason: 'protected' },
          ]),
        );
        expect(ours.map((x) => x.id)).not.toContain(third.retention!.deleted[0]);

        // One backfilled action renders its own (past) time.
        const start = new Date(Date.UTC(2026, 10, 30, 23, 59));
        json(
          await cli(
            tq,
            'schedule',
            'backfill',
            scheduleId,
            '--start',
            start.toISOString(),
            '--end',
            new Date(start.getTime() + 120_000).toISOString(),
            '--json',
          ),
        );
        await until(
          () => images().some((x) => String(x.name) === 'golden-web-sys-20261201-000000' && x.status === 'active'),
          'the backfilled image',
          60_000,
        );

        // A failed build deletes nothing and pauses the schedule.
        await builds(4);
        const before = images()
          .filter((x) => x.status === 'active')
          .map((x) => x.id);
        h.admin.addFault({ op: 'evs.uploadImage', kind: 'upload-fail' });
        json(await cli(tq, 'schedule', 'trigger', scheduleId, '--json'));
        const failed = await until(
          async () => {
            const d = json<Described>(await cli(tq, 'schedule', 'describe', scheduleId, '--json'));
            return d.paused ? d : undefined;
          },
          'the schedule paused after the failure',
          60_000,
        );
        expect(failed.recentBuilds.at(-1)).toMatchObject({ status: 'FAILED', failureType: 'ImageFailed' });
        for (const id of before) expect(images().find((x) => x.id === id)?.status).toBe('active');

        json(await cli(tq, 'schedule', 'unpause', scheduleId, '--json'));
        const listed = json<{ id: string; paused: boolean }[]>(await cli(tq, 'schedule', 'list', '--json'));
        expect(listed.find((s) => s.id === scheduleId)).toMatchObject({ paused: false });
        json(await cli(tq, 'schedule', 'pause', scheduleId, '--note', 'maintenance', '--json'));
        expect(json<Described>(await cli(tq, 'schedule', 'describe', scheduleId, '--json')).paused).toBe(true);
        json(await cli(tq, 'schedule', 'delete', scheduleId, '--json'));
        const gone = await cli(tq, 'schedule', 'describe', scheduleId);
        expect(gone.code).toBe(1);
        expect(gone.stderr).toContain(`no schedule "${scheduleId}"`);
      });
    },
  );

  it('a whole-server schedule: each disk’s image named <template>-<device>, retention per disk', async () => {
    const scheduleId = `server-${randomUUID().slice(0, 8)}`;
    const seeded = h.admin.seed({
      servers: [{ name: 'web' }],
      volumes: [
        { name: 'sys', size: 5, bootable: true, attachedTo: ['web'], device: '/dev/vda' },
        { name: 'data', size: 5, attachedTo: ['web'], device: '/dev/vdb' },
      ],
    });
    const web = seeded.servers[0].id;
    await h.withWorker(async (tq) => {
      const args = [
        '--id',
        scheduleId,
        '--server',
        web,
        '--name-template',
        'gold-{serverName}-{date}-{time}',
        '--every',
        '24h',
        '--keep',
        '1',
      ];
      const created = json<{ exampleName: string }>(await cli(tq, 'schedule', 'create', ...args, '--json'));
      expect(created.exampleName).toMatch(/^gold-web-\d{8}-\d{6}$/);
      const builds = (n: number) => buildsDone(tq, scheduleId, n);
      json(await cli(tq, 'schedule', 'trigger', scheduleId, '--json'));
      await builds(1);
      json(await cli(tq, 'schedule', 'trigger', scheduleId, '--json'));
      const second = (await builds(2)).recentBuilds.at(-1)!;
      // keep 1 per disk: the first build's two images went, the second build's two stay.
      expect(second.retention!.deleted).toHaveLength(2);
      const left = images().filter((x) => String(x.name).startsWith('gold-web-'));
      expect(left.map((x) => String(x.name).slice(-3)).sort()).toEqual(['vda', 'vdb']);
      for (const x of left) expect(x.tags).toEqual(expect.arrayContaining([lineageTag.schedule(scheduleId), lineageTag.server(web)]));
      json(await cli(tq, 'schedule', 'delete', scheduleId, '--json'));
    });
    expect(h.admin.oracle().servers[web]).toMatchObject({ stops: 2, starts: 2 });
  });

  it.each([
    ['an unknown template field', ['--name-template', 'g-{hostname}'], '--name-template', 'unknown field {hostname}'],
    ['a name that breaks the image-name rules', ['--name-template', 'g/{date}'], '--name-template', 'renders as "g/'],
    ['--keep 0', ['--keep', '0'], '--keep', 'at least 1'],
    ['a cron that never fires', ['--cron', '0 0 30 2 *'], '--cron', 'never fires'],
    ['a disk that does not exist', ['--volume', 'no-such-disk'], '--volume', 'no-such-disk'],
  ])('refuses %s with exit 2 naming the flag, and creates nothing', async (_what, args, flag, said) => {
    const seeded = h.admin.seed({ volumes: [{ name: 'd', size: 5 }] });
    const id = `bad-${randomUUID().slice(0, 8)}`;
    const base = { '--id': id, '--volume': seeded.volumes[0].id, '--name-template': 'g-{date}-{time}', '--every': '24h' } as Record<
      string,
      string
    >;
    for (let i = 0; i < args.length; i += 2) base[args[i]] = args[i + 1];
    if (base['--cron']) delete base['--every'];
    const r = await cli('unused', 'schedule', 'create', ...Object.entries(base).flat());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(flag);
    expect(r.stderr).toContain(said);
    const d = await cli('unused', 'schedule', 'describe', id);
    expect(d.code).toBe(1);
  });

  it('refuses an id that exists already', async () => {
    const seeded = h.admin.seed({ volumes: [{ name: 'd', size: 5 }] });
    const id = `dup-${randomUUID().slice(0, 8)}`;
    const args = [
      'schedule',
      'create',
      '--id',
      id,
      '--volume',
      seeded.volumes[0].id,
      '--name-template',
      'g-{date}-{time}',
      '--every',
      '24h',
    ];
    expect((await cli('unused', ...args)).code).toBe(0);
    const again = await cli('unused', ...args);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--id');
    expect((await cli('unused', 'schedule', 'delete', id)).code).toBe(0);
  });
});
