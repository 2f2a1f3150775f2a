// The activities of golden-image schedules: what a name template needs to know about the source, retention of
// the lineage after a successful build, and pausing the schedule after a failed one.
import { isStatus } from '../cloud/errors';
import type { TemplateValues } from '../workflows/name-template';
import { applyRetention, type RetentionArgs, type RetentionResult } from './retention';
import type { ActivityScope, Counted } from './scope';

export interface SourceFacts extends TemplateValues {
  /** Every server the disk is attached to (for the lineage tags). */
  serverIds: string[];
}

export function schedulingActivities(s: ActivityScope) {
  return {
    /** The disk's name, its (first) server and device: the values of a name template. */
    async describeSource(args: { volumeId: string }): Promise<Counted<SourceFacts>> {
      return s.counted(`read disk ${args.volumeId}`, async (c) => {
        const v = await c.evs.getVolume(args.volumeId);
        const first = v.attachments[0];
        const server = first
          ? await c.ecs.getServer(first.serverId).catch((e: unknown) => (isStatus(e, 404) ? undefined : Promise.reject(e)))
          : undefined;
        return {
          volumeName: v.name,
          volumeId: v.id,
          serverName: server?.name,
          device: first?.device ?? undefined,
          serverIds: [...new Set(v.attachments.map((a) => a.serverId))],
        };
      });
    },

    /** The server's name: the value of `{serverName}` in a whole-server build's prefix. */
    async describeServer(args: { serverId: string }): Promise<Counted<{ serverName: string }>> {
      return s.counted(`read server ${args.serverId}`, async (c) => ({ serverName: (await c.ecs.getServer(args.serverId)).name }));
    },

    /** Keeps the newest images of a lineage, deletes the older ones that nothing uses. */
    async applyRetention(args: RetentionArgs): Promise<Counted<RetentionResult>> {
      return s.counted(`apply retention to ${args.lineageTags.join(' + ')}`, (c) => applyRetention(c, args));
    },

    /** `--pause-on-failure`: the schedule stops until someone looks. */
    async pauseSchedule(args: { scheduleId: string; note: string }): Promise<Counted<object>> {
      return s.counted(`pause schedule ${args.scheduleId}`, async () => {
        const client = s.temporalClient();
        await client.schedule.getHandle(args.scheduleId).pause(args.note);
        return {};
      });
    },
  };
}
