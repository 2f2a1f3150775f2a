// `os-volume_upload_image` request rules as OTC documents them (cloud-api.md §3.3). Every refusal is
// 400 {"badRequest":{"message":…,"code":"EVS.5400"}}. Unknown keys are ignored (OTC does not say otherwise).
import type { ExportRequest } from '../model/exports';
import { RuleError } from '../model/rule-error';

export const DISK_FORMATS = ['vhd', 'zvhd', 'zvhd2', 'raw', 'qcow2'];
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'ovf', 'bare'];
export const OS_TYPES = ['windows', 'linux'];

const bad = (message: string) => new RuleError('EVS.5400', message);

export function parseUploadRequest(body: unknown): ExportRequest {
  const root = body as Record<string, unknown> | undefined;
  const o = root?.['os-volume_upload_image'];
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad('Malformed request body.');
  const r = o as Record<string, unknown>;

  const name = r.image_name;
  if (name === undefined || name === null) throw bad('Invalid input received: image_name is required.');
  if (typeof name !== 'string') throw bad('Invalid input received: image_name must be a string.');
  if (name.length < 1 || name.length > 128)
    throw bad(`Invalid input received: image_name must be 1 to 128 characters long, got ${name.length}.`);
  if (!/^[A-Za-z0-9\-._ ]+$/.test(name))
    throw bad('Invalid input received: image_name may contain only letters, digits, hyphens (-), periods (.), underscores (_) and spaces.');
  if (name !== name.trim()) throw bad('Invalid input received: image_name cannot start or end with a space.');

  const oneOf = (key: string, allowed: string[], dflt: string): string => {
    const v = r[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || !allowed.includes(v))
      throw bad(`Invalid input received: ${key} ${JSON.stringify(v)} is invalid; it must be one of ${allowed.join(', ')}.`);
    return v;
  };
  const diskFormat = oneOf('disk_format', DISK_FORMATS, 'zvhd2');
  const containerFormat = oneOf('container_format', CONTAINER_FORMATS, 'bare');
  const osType = oneOf('__os_type', OS_TYPES, 'linux');

  const force = r.force;
  if (force !== undefined && typeof force !== 'boolean')
    throw bad(`Invalid input received: force ${JSON.stringify(force)} is not a boolean.`);
  return { imageName: name, diskFormat, containerFormat, osType, force: force === true };
}
