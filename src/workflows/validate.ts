// Input rules of exportDiskImage (promise P5). Pure and deterministic: the workflow runs it first, the CLI runs
// it before starting anything, and unit tests cover every rule. Each message names the field and the value.
import { CONTAINER_FORMATS, DISK_FORMATS, OS_TYPES, STOP_TYPES, STRATEGIES } from '../formats';
import type { ExportDiskInput, ExportServerInput } from './api';

const KNOWN_KEYS = new Set([
  'volumeId',
  'imageName',
  'diskFormat',
  'containerFormat',
  'osType',
  'stopType',
  'requireApproval',
  'leaveServersStopped',
  'deadlines',
  'tags',
  'strategy',
  'stopServers',
]);
const DEADLINE_KEYS = new Set(['stopMs', 'uploadMs', 'startMs', 'snapshotMs', 'copyMs']);

// EVS export rules, cloud-api.md §3.3: 1–128 chars of letters, digits, `-`, `.`, `_`, spaces; no edge spaces.
const IMAGE_NAME = /^[A-Za-z0-9._ -]+$/;
// IMS tag rules, cloud-api.md §5.4.
const TAG = /^[A-Za-z0-9_-]+$/;
// EVS ids are UUIDs; accept any id-like token so other Cinder deployments work too.
const VOLUME_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly field: string,
    readonly value: unknown,
    rule: string,
  ) {
    super(`${field}: ${rule} (got ${show(value)})`);
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function oneOf(field: string, value: unknown, allowed: readonly string[]): void {
  if (value !== undefined && !allowed.includes(value as string)) {
    throw new InputError(field, value, `must be one of ${allowed.join(', ')}`);
  }
}

function bool(field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw new InputError(field, value, 'must be true or false');
}

/** Throws an InputError for the first broken rule; returns the input typed when all hold. */
export function validateExportInput(raw: unknown): ExportDiskInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError('input', raw, 'must be one JSON object such as {"volumeId": "...", "imageName": "..."}');
  }
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) throw new InputError(key, input[key], `is not a known field (known: ${[...KNOWN_KEYS].join(', ')})`);
  }

  const { volumeId, imageName } = input;
  if (typeof volumeId !== 'string' || !VOLUME_ID.test(volumeId)) {
    throw new InputError('volumeId', volumeId, 'must be a disk id (letters, digits, "-", "_"; at most 64 characters)');
  }
  if (typeof imageName !== 'string' || imageName.length === 0) {
    throw new InputError('imageName', imageName, 'is required and must be a non-empty string');
  }
  if (imageName.length > 128) throw new InputError('imageName', imageName, `must be at most 128 characters, has ${imageName.length}`);
  if (imageName.startsWith(' ') || imageName.endsWith(' ')) {
    throw new InputError('imageName', imageName, 'must not start or end with a space');
  }
  if (!IMAGE_NAME.test(imageName)) {
    throw new InputError('imageName', imageName, 'may contain only letters, digits, spaces, "-", "." and "_"');
  }

  oneOf('diskFormat', input.diskFormat, DISK_FORMATS);
  oneOf('containerFormat', input.containerFormat, CONTAINER_FORMATS);
  oneOf('osType', input.osType, OS_TYPES);
  oneOf('stopType', input.stopType, STOP_TYPES);
  bool('requireApproval', input.requireApproval);
  bool('leaveServersStopped', input.leaveServersStopped);
  oneOf('strategy', input.strategy, STRATEGIES);
  bool('stopServers', input.stopServers);
  if (input.stopServers === false && input.strategy !== 'snapshot') {
    throw new InputError(
      'stopServers',
      false,
      `needs strategy "snapshot" (got strategy ${show(input.strategy ?? 'direct')}): the export API reads an in-use disk only while its servers are stopped`,
    );
  }

  const { deadlines, tags } = input;
  if (deadlines !== undefined) {
    if (typeof deadlines !== 'object' || deadlines === null || Array.isArray(deadlines)) {
      throw new InputError('deadlines', deadlines, 'must be an object like {"uploadMs": 3600000}');
    }
    for (const [key, value] of Object.entries(deadlines)) {
      if (!DEADLINE_KEYS.has(key))
        throw new InputError(`deadlines.${key}`, value, `is not a known deadline (${[...DEADLINE_KEYS].join(', ')})`);
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1000) {
        throw new InputError(`deadlines.${key}`, value, 'must be a whole number of milliseconds, at least 1000');
      }
    }
  }
  if (tags !== undefined) {
    if (!Array.isArray(tags)) throw new InputError('tags', tags, 'must be a list of strings');
    tags.forEach((tag, i) => {
      if (typeof tag !== 'string' || tag.length === 0 || tag.length > 128 || !TAG.test(tag)) {
        throw new InputError(`tags[${i}]`, tag, 'must be 1–128 letters, digits, "_" or "-"');
      }
    });
  }
  return input as unknown as ExportDiskInput;
}

const SERVER_KNOWN_KEYS = new Set([
  'serverId',
  'imageNamePrefix',
  'diskFormat',
  'containerFormat',
  'osType',
  'stopType',
  'leaveServersStopped',
  'deadlines',
  'tags',
  'strategy',
  'stopServers',
]);

/** Input rules of exportServerDisks: the export's own rules, with a server instead of a disk. */
export function validateServerExportInput(raw: unknown): ExportServerInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError('input', raw, 'must be one JSON object such as {"serverId": "..."}');
  }
  const input = raw as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!SERVER_KNOWN_KEYS.has(key))
      throw new InputError(key, input[key], `is not a known field (known: ${[...SERVER_KNOWN_KEYS].join(', ')})`);
  }
  if (typeof input.serverId !== 'string' || !VOLUME_ID.test(input.serverId)) {
    throw new InputError('serverId', input.serverId, 'must be a server id (letters, digits, "-", "_"; at most 64 characters)');
  }
  // The prefix must itself be a valid image name, leaving room for "-<device>".
  if (input.imageNamePrefix !== undefined) {
    const p = input.imageNamePrefix;
    if (typeof p !== 'string' || p.length === 0 || p.length > 120 || p.startsWith(' ') || p.endsWith(' ') || !IMAGE_NAME.test(p)) {
      throw new InputError(
        'imageNamePrefix',
        p,
        'must be 1–120 letters, digits, spaces, "-", "." or "_", without a leading or trailing space',
      );
    }
  }
  const { serverId: _s, imageNamePrefix: _p, ...rest } = input;
  validateExportInput({ volumeId: 'placeholder', imageName: 'placeholder', ...rest });
  return input as unknown as ExportServerInput;
}
