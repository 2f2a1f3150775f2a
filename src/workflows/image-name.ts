// Image-name templates for scheduled exports. Pure: shared by the workflow and the CLI.

/** Replaces `{date}` (YYYYMMDD) and `{time}` (HHMMSS) with the given instant, UTC. */
export function expandImageName(template: string, at: Date): string {
  const iso = at.toISOString();
  return template.replaceAll('{date}', iso.slice(0, 10).replaceAll('-', '')).replaceAll('{time}', iso.slice(11, 19).replaceAll(':', ''));
}
