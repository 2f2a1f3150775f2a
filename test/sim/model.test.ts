// The model without HTTP: status derivation, the transition engine on a hand-driven clock, seeded ids, and
// the in-process SimHandle the dev stack uses.
import { describe, expect, it } from 'vitest';
import { ManualClock, Sim } from '../../src/sim';
import { Engine } from '../../src/sim/model/engine';
import { beginUpload } from '../../src/sim/model/exports';
import { Rng } from '../../src/sim/model/rng';
import { deriveServerStatus, isFullyStopped } from '../../src/sim/model/server-status';

describe('sim model', () => {
  it('derives ECS status from vm_state + task_state (cloud-api.md §4.2)', () => {
    expect(deriveServerStatus('active', null)).toBe('ACTIVE');
    expect(deriveServerStatus('active', 'powering-off')).toBe('ACTIVE');
    expect(deriveServerStatus('stopped', null)).toBe('SHUTOFF');
    expect(deriveServerStatus('stopped', 'powering-on')).toBe('SHUTOFF');
    expect(deriveServerStatus('active', 'rebooting')).toBe('REBOOT');
    expect(deriveServerStatus('active', 'reboot_started_hard')).toBe('HARD_REBOOT');
    expect(deriveServerStatus('stopped', 'resize_prep')).toBe('RESIZE');
    expect(deriveServerStatus('resized', null)).toBe('VERIFY_RESIZE');
    expect(deriveServerStatus('resized', 'resize_reverting')).toBe('REVERT_RESIZE');
    expect(deriveServerStatus('error', null)).toBe('ERROR');
    expect(deriveServerStatus('building', 'spawning')).toBe('BUILD');
    expect(deriveServerStatus('active', 'made-up')).toBe('UNKNOWN');
    expect(deriveServerStatus('weird', null)).toBe('UNKNOWN');
    expect(isFullyStopped('stopped', null)).toBe(true);
    expect(isFullyStopped('stopped', 'powering-on')).toBe(false);
    expect(isFullyStopped('active', 'powering-off')).toBe(false);
  });

  it('runs timed transitions on the clock and manual ones only when advanced', () => {
    const clock = new ManualClock();
    const e = new Engine(clock);
    const ran: string[] = [];
    e.schedule('stop', 's1', 100, () => ran.push('s1'));
    e.schedule('start', 's2', null, () => ran.push('s2'));
    clock.tick(99);
    expect(ran).toEqual([]);
    clock.tick(1);
    expect(ran).toEqual(['s1']);
    clock.tick(10_000);
    expect(ran).toEqual(['s1']);
    expect(e.list()).toEqual([{ kind: 'start', id: 's2', since: expect.any(String), dueAt: null }]);
    expect(e.advance('start', 's2')).toMatchObject({ kind: 'start', id: 's2' });
    expect(ran).toEqual(['s1', 's2']);
    expect(e.advance('start', 's2')).toBeUndefined();
    e.schedule('upload', 'v', 50, () => ran.push('v'));
    e.clear();
    clock.tick(100);
    expect(ran).toEqual(['s1', 's2']);
  });

  it('draws the same ids from the same seed', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const ids = [a.uuid(), a.hex(32)];
    expect([b.uuid(), b.hex(32)]).toEqual(ids);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('times an upload: released after base + size × perGb, active or killed then gone', () => {
    const clock = new ManualClock();
    const sim = new Sim({
      clock,
      seed: 2,
      config: { timings: { uploadBaseMs: 100, uploadMsPerGb: 10, imageActivateMs: 50, killedImageTtlMs: 70 } },
    });
    const ids = sim
      .seed({
        volumes: [
          { name: 'ok', size: 5 },
          { name: 'bad', size: 5 },
        ],
      })
      .volumes.map((v) => v.id);
    const w = sim.world;
    const req = { imageName: 'i', diskFormat: 'zvhd2', containerFormat: 'bare', osType: 'linux', force: false };
    const good = beginUpload(w, w.volumes.get(ids[0])!, req, false).image;
    const bad = beginUpload(w, w.volumes.get(ids[1])!, req, true).image;
    clock.tick(0);
    expect([good.status, bad.status]).toEqual(['saving', 'saving']);
    clock.tick(149);
    expect(w.volumes.get(ids[0])!.status).toBe('uploading');
    clock.tick(1);
    expect(ids.map((id) => w.volumes.get(id)!.status)).toEqual(['available', 'available']);
    expect([good.status, bad.status]).toEqual(['saving', 'killed']);
    clock.tick(50);
    expect(good.status).toBe('active');
    clock.tick(19);
    expect(w.images.has(bad.id)).toBe(true);
    clock.tick(1);
    expect(w.images.has(bad.id)).toBe(false);
    expect(sim.oracle().exports.map((e) => e.imageStatus)).toEqual(['active', 'gone']);
  });

  it('is usable in process: seed, stop through the model clock, oracle', () => {
    const clock = new ManualClock();
    const sim = new Sim({ clock, seed: 1, config: { timings: { jobInitMs: 0 } } });
    const seeded = sim.seed({ servers: [{ name: 'app' }], volumes: [{ name: 'd', size: 10, attachedTo: ['app'] }] });
    expect(seeded.volumes[0].name).toBe('d');
    expect(new Sim({ seed: 1 }).seed({ servers: [{ name: 'app' }] }).servers[0].id).toBe(seeded.servers[0].id);
    const state = sim.state();
    expect(state.servers[0]).toMatchObject({
      status: 'ACTIVE',
      'os-extended-volumes:volumes_attached': [{ id: seeded.volumes[0].id, device: '/dev/vdb' }],
    });
    expect(sim.patchServer(seeded.servers[0].id, { status: 'SHUTOFF' })).toMatchObject({ status: 'SHUTOFF' });
    expect(sim.oracle().serversNotRestored).toHaveLength(1);
    expect(() => sim.advance({ kind: 'stop', id: 'nope' })).toThrow(/no pending stop/);
  });
});
