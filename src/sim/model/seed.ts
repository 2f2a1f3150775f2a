// Builds a topology from a SeedSpec: images first, then servers (which may have booted from them), then disks
// attached to the servers by id or name.
import type { SeedResult, SeedSpec, SeedVolume } from '../types';
import type { ServerRec, VolumeRec } from './records';
import { AdminError } from './rule-error';
import { bootImage, buildImage } from './seed-images';
import { SEEDABLE_STATUS } from './server-status';
import type { World } from './world';
import { DEFAULT_AZ, DEFAULT_VOLUME_TYPE, VOLUME_TYPES } from './zones';

export function seedWorld(w: World, spec: SeedSpec): SeedResult {
  const now = w.now();
  const images = (spec.images ?? []).map((i) => buildImage(w, i, now));
  for (const i of images) if (w.images.has(i.id)) throw new AdminError(`image id ${i.id} already exists`);
  if (new Set(images.map((i) => i.id)).size < images.length) throw new AdminError('an image id is seeded twice');
  const servers: ServerRec[] = (spec.servers ?? []).map((s) => {
    const st = SEEDABLE_STATUS[s.status ?? 'ACTIVE'];
    if (!st) throw new AdminError(`server ${s.name}: status must be one of ${Object.keys(SEEDABLE_STATUS).join(', ')}`);
    if (typeof s.name !== 'string' || !s.name) throw new AdminError('every server needs a name');
    return {
      id: s.id ?? w.rng.uuid(),
      name: s.name,
      vmState: st.vmState,
      powerState: st.powerState,
      taskState: s.taskState ?? null,
      locked: !!s.locked,
      imageId: bootImage(w, s.image, images, s.name),
      created: now,
      updated: now,
    };
  });
  for (const s of servers) if (w.servers.has(s.id)) throw new AdminError(`server id ${s.id} already exists`);
  const byRef = (ref: string): ServerRec => {
    const s = servers.find((x) => x.id === ref) ?? w.servers.get(ref) ?? [...servers, ...w.servers.values()].find((x) => x.name === ref);
    if (!s) throw new AdminError(`attachedTo: no server with id or name ${JSON.stringify(ref)}`);
    return s;
  };
  const nextDevice = deviceAllocator(w);
  const volumes = (spec.volumes ?? []).map((v) => buildVolume(w, v, byRef, nextDevice, now));
  for (const v of volumes) if (w.volumes.has(v.id)) throw new AdminError(`volume id ${v.id} already exists`);

  for (const i of images) w.images.set(i.id, i);
  for (const s of servers) w.servers.set(s.id, s);
  for (const v of volumes) w.volumes.set(v.id, v);
  const ref = ({ id, name }: { id: string; name: string }) => ({ id, name });
  const result = { images: images.map(ref), servers: servers.map(ref), volumes: volumes.map(ref) };
  w.events.emit('admin.seed', result);
  return result;
}

function buildVolume(
  w: World,
  v: SeedVolume,
  byRef: (ref: string) => ServerRec,
  nextDevice: (serverId: string) => string,
  now: number,
): VolumeRec {
  if (typeof v.name !== 'string' || !v.name) throw new AdminError('every volume needs a name');
  if (!Number.isInteger(v.size) || v.size < 1) throw new AdminError(`volume ${v.name}: size must be a positive integer (GB)`);
  const targets = [...new Set((v.attachedTo ?? []).map((r) => byRef(r)))];
  if (targets.length > 1 && !v.multiattach)
    throw new AdminError(`volume ${v.name}: attaching to ${targets.length} servers requires multiattach`);
  if (v.availabilityZone !== undefined && (typeof v.availabilityZone !== 'string' || !v.availabilityZone))
    throw new AdminError(`volume ${v.name}: availabilityZone must be a non-empty string`);
  if (v.volumeType !== undefined && !VOLUME_TYPES.includes(v.volumeType))
    throw new AdminError(`volume ${v.name}: volumeType must be one of ${VOLUME_TYPES.join(', ')}`);
  for (const [what, m] of [
    ['metadata', v.metadata],
    ['volumeImageMetadata', v.volumeImageMetadata],
  ] as const) {
    if (m !== undefined && m !== null && (typeof m !== 'object' || Object.values(m).some((x) => typeof x !== 'string')))
      throw new AdminError(`volume ${v.name}: ${what} must map strings to strings`);
  }
  const id = v.id ?? w.rng.uuid();
  const attachments = targets.map((s) => ({
    serverId: s.id,
    attachmentId: w.rng.uuid(),
    device: v.device ?? (v.bootable ? '/dev/vda' : nextDevice(s.id)),
    attachedAt: now,
  }));
  return {
    id,
    name: v.name,
    size: v.size,
    status: v.status ?? (attachments.length ? 'in-use' : 'available'),
    multiattach: !!v.multiattach,
    bootable: !!v.bootable,
    locked: !!v.locked,
    volumeImageMetadata: v.volumeImageMetadata ? { ...v.volumeImageMetadata } : null,
    attachments,
    availabilityZone: v.availabilityZone ?? DEFAULT_AZ,
    volumeType: v.volumeType ?? DEFAULT_VOLUME_TYPE,
    description: v.description ?? '',
    metadata: { ...v.metadata },
    snapshotId: null,
    origin: 'seed',
    createdAt: now,
    updatedAt: now,
  };
}

/** Hands out the next free /dev/vdX per server (vda is the system disk's), counting disks seeded in this call. */
function deviceAllocator(w: World): (serverId: string) => string {
  const used = new Map<string, Set<string>>();
  return (serverId) => {
    let set = used.get(serverId);
    if (!set) {
      set = new Set(w.volumesOf(serverId).flatMap((v) => v.attachments.filter((a) => a.serverId === serverId).map((a) => a.device)));
      set.add('/dev/vda');
      used.set(serverId, set);
    }
    let letter = 1;
    while (set.has(`/dev/vd${String.fromCharCode(97 + letter)}`)) letter++;
    const dev = `/dev/vd${String.fromCharCode(97 + letter)}`;
    set.add(dev);
    return dev;
  };
}
