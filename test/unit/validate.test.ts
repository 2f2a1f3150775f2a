import { describe, expect, it } from 'vitest';
import { InputError, validateExportInput } from '../../src/workflows/validate';

const ok = { volumeId: '7fa6b592-ac75-460d-a28a-bb17429d1eb2', imageName: 'golden-2026.11 base_1' };

function rejects(input: unknown, field: string, value: string): void {
  let caught: unknown;
  try {
    validateExportInput(input);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(InputError);
  const e = caught as InputError;
  expect(e.field).toBe(field);
  expect(e.message.startsWith(`${field}: `)).toBe(true);
  expect(e.message).toContain(value);
}

describe('validateExportInput', () => {
  it('accepts a minimal and a full input', () => {
    expect(validateExportInput(ok)).toEqual(ok);
    const full = {
      ...ok,
      diskFormat: 'qcow2',
      containerFormat: 'ovf',
      osType: 'windows',
      stopType: 'HARD',
      requireApproval: true,
      leaveServersStopped: false,
      deadlines: { stopMs: 60_000, uploadMs: 3_600_000, startMs: 60_000, snapshotMs: 600_000, copyMs: 600_000 },
      tags: ['golden', 'build_42'],
      strategy: 'snapshot',
      stopServers: false,
    };
    expect(validateExportInput(full)).toEqual(full);
  });

  it('accepts a 128-character image name and refuses 129', () => {
    expect(() => validateExportInput({ ...ok, imageName: 'a'.repeat(128) })).not.toThrow();
    rejects({ ...ok, imageName: 'a'.repeat(129) }, 'imageName', 'has 129');
  });

  it.each([
    ['not an object', 'x', 'input', '"x"'],
    ['unknown key (typo)', { ...ok, image_name: 'x' }, 'image_name', '"x"'],
    ['missing volumeId', { imageName: 'a' }, 'volumeId', 'nothing'],
    ['volumeId with slash', { ...ok, volumeId: '../etc' }, 'volumeId', '"../etc"'],
    ['empty image name', { ...ok, imageName: '' }, 'imageName', '""'],
    ['leading space', { ...ok, imageName: ' golden' }, 'imageName', '" golden"'],
    ['trailing space', { ...ok, imageName: 'golden ' }, 'imageName', '"golden "'],
    ['bad character', { ...ok, imageName: 'golden/1' }, 'imageName', '"golden/1"'],
    ['non-ASCII letter', { ...ok, imageName: 'gölden' }, 'imageName', '"gölden"'],
    ['disk format', { ...ok, diskFormat: 'iso' }, 'diskFormat', '"iso"'],
    ['container format', { ...ok, containerFormat: 'docker' }, 'containerFormat', '"docker"'],
    ['os type', { ...ok, osType: 'Linux' }, 'osType', '"Linux"'],
    ['stop type', { ...ok, stopType: 'soft' }, 'stopType', '"soft"'],
    ['unknown strategy', { ...ok, strategy: 'clone' }, 'strategy', '"clone"'],
    ['stopServers not boolean', { ...ok, strategy: 'snapshot', stopServers: 'no' }, 'stopServers', '"no"'],
    ['stopServers false without the snapshot strategy', { ...ok, stopServers: false }, 'stopServers', '"direct"'],
    ['requireApproval not boolean', { ...ok, requireApproval: 'yes' }, 'requireApproval', '"yes"'],
    ['deadline unknown', { ...ok, deadlines: { totalMs: 5000 } }, 'deadlines.totalMs', '5000'],
    ['deadline too small', { ...ok, deadlines: { uploadMs: 10 } }, 'deadlines.uploadMs', '10'],
    ['tags not a list', { ...ok, tags: 'golden' }, 'tags', '"golden"'],
    ['bad tag', { ...ok, tags: ['ok', 'bad tag'] }, 'tags[1]', '"bad tag"'],
  ])('refuses %s', (_name, input, field, value) => rejects(input, field, value));
});
