// EVS volumes/detail without a name filter pages through every disk, so a client finds the disks whose image
// metadata names an image (retention keeps those).
import { describe, expect, it } from 'vitest';
import { type Json, useSim } from './helpers';

const ids = (r: Json): string[] => r.body.volumes.map((v: { id: string }) => v.id);

describe('sim EVS disk list paging', () => {
  const t = useSim();

  it('limit with offset, or with the marker of the next link, reaches every disk once', async () => {
    const { c } = t;
    const golden = '6a3e0000-0000-4000-8000-000000000001';
    const seeded = (
      await c.admin('POST', '/seed', {
        volumes: [
          ...Array.from({ length: 11 }, (_, n) => ({ name: `d-${n}`, size: 1 })),
          { name: 'sys', size: 10, bootable: true, volumeImageMetadata: { image_id: golden, __os_type: 'Linux' } },
        ],
      })
    ).body.volumes.map((v: { id: string }) => v.id);
    const detail = (q: string) => c.call('GET', `/evs/v2/${c.project}/volumes/detail?${q}`);

    const byOffset: string[] = [];
    for (let offset = 0; ; offset += 5) {
      const r = await detail(`limit=5&offset=${offset}`);
      byOffset.push(...ids(r));
      if (r.body.volumes.length < 5) break;
    }
    expect(byOffset.sort()).toEqual([...seeded].sort());

    const byMarker: string[] = [];
    let q: string | undefined = 'limit=5';
    while (q !== undefined) {
      const r: Json = await detail(q);
      byMarker.push(...ids(r));
      const next = r.body.volumes_links?.[0]?.href as string | undefined;
      q = next ? next.slice(next.indexOf('?') + 1) : undefined;
    }
    expect(byMarker).toHaveLength(12);
    expect(new Set(byMarker)).toEqual(new Set(seeded));

    const all = await detail('limit=1000');
    expect(all.body.volumes_links).toBeUndefined();
    const users = all.body.volumes.filter((v: Json) => v.volume_image_metadata?.image_id === golden);
    expect(users.map((v: { name: string }) => v.name)).toEqual(['sys']);
  });
});
