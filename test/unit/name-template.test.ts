import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineageTag, TOOL_VERSION } from '../../src/workflows/api';
import { renderTemplate, TemplateError, templateFields } from '../../src/workflows/name-template';

const at = new Date('2026-12-02T02:05:09Z');
const values = {
  volumeName: 'web-sys',
  volumeId: '7fa6b592-ac75-460d-a28a-bb17429d1eb2',
  serverName: 'web-1',
  device: '/dev/vda',
  scheduleId: 'golden-web',
};

describe('image-name templates', () => {
  it('render every field from the disk, the schedule and the scheduled time (UTC)', () => {
    expect(renderTemplate('{scheduleId}-{serverName}-{device}-{volumeName}-{volumeId8}-{date}-{time}-{yyyyMMdd-HHmm}', values, at)).toBe(
      'golden-web-web-1-vda-web-sys-7fa6b592-20261202-020509-20261202-0205',
    );
  });

  it('render the same name for the same action and another for the next one', () => {
    expect(renderTemplate('g-{yyyyMMdd-HHmm}', values, at)).toBe(renderTemplate('g-{yyyyMMdd-HHmm}', values, new Date(at)));
    expect(renderTemplate('g-{yyyyMMdd-HHmm}', values, new Date('2026-12-03T02:05:09Z'))).not.toBe(
      renderTemplate('g-{yyyyMMdd-HHmm}', values, at),
    );
  });

  it.each([
    ['an unknown field', 'golden-{hostname}', /unknown field \{hostname\}/],
    ['a stray brace', 'golden-{date', /opens or closes no field/],
    ['a closing brace alone', 'golden}-{date}', /opens or closes no field/],
  ])('refuse %s', (_what, template, message) => {
    expect(() => templateFields(template)).toThrow(TemplateError);
    expect(() => templateFields(template)).toThrow(message);
  });

  it('refuse a field that has no value for this disk', () => {
    expect(() => renderTemplate('{serverName}-{date}', { volumeId: values.volumeId }, at)).toThrow(/\{serverName\} has no value/);
  });

  it('list the fields a template uses', () => {
    expect(templateFields('{volumeName}-{date}')).toEqual(['volumeName', 'date']);
    expect(templateFields('plain')).toEqual([]);
  });
});

describe('lineage tags', () => {
  it('carry the version package.json says, in IMS tag characters', () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(TOOL_VERSION).toBe(version);
    expect(lineageTag.version()).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
