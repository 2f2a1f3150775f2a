// Image-name templates of golden-image schedules: `{field}` placeholders rendered from the disk, the schedule and
// the action's scheduled time (UTC), so a name is the same on every replay and retry and differs between actions.
// Pure: the CLI checks a template at `schedule create` with the same code the workflow renders it with.

export const TEMPLATE_FIELDS = ['volumeName', 'volumeId8', 'serverName', 'device', 'scheduleId', 'date', 'time', 'yyyyMMdd-HHmm'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** What a template can name besides the time. */
export interface TemplateValues {
  volumeName?: string;
  volumeId?: string;
  serverName?: string;
  device?: string;
  scheduleId?: string;
}

export class TemplateError extends Error {
  override name = 'TemplateError';
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** The fields a template names; refuses an unknown field or a stray brace. */
export function templateFields(template: string): TemplateField[] {
  const fields: TemplateField[] = [];
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!(TEMPLATE_FIELDS as readonly string[]).includes(name)) {
      throw new TemplateError(`unknown field {${name}} (known: ${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(' ')})`);
    }
    fields.push(name as TemplateField);
  }
  if (/[{}]/.test(template.replace(PLACEHOLDER, ''))) throw new TemplateError('a "{" or "}" that opens or closes no field');
  return fields;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function timeFields(at: Date): Record<'date' | 'time' | 'yyyyMMdd-HHmm', string> {
  const date = `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}`;
  const hhmm = `${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}`;
  return { date, time: `${hhmm}${pad(at.getUTCSeconds())}`, 'yyyyMMdd-HHmm': `${date}-${hhmm}` };
}

/** `/dev/vda` → `vda`: a device path is not a valid part of an image name. */
const deviceName = (device?: string) => device?.replace(/^\/dev\//, '');

/** Renders every field; one the values do not have is an error naming it (a disk attached to no server has no serverName). */
export function renderTemplate(template: string, values: TemplateValues, at: Date): string {
  const fields = templateFields(template);
  const known: Record<TemplateField, string | undefined> = {
    volumeName: values.volumeName,
    volumeId8: values.volumeId?.slice(0, 8),
    serverName: values.serverName,
    device: deviceName(values.device),
    scheduleId: values.scheduleId,
    ...timeFields(at),
  };
  for (const f of fields) if (!known[f]) throw new TemplateError(`{${f}} has no value here`);
  return template.replace(PLACEHOLDER, (_m, name: TemplateField) => known[name]!);
}
