// Vanilla Glance v2 (cloud-api.md §5, §6.5 [O5, O6, O10]) on the shared model: IMS's handlers (ims/handlers.ts),
// which are Glance-compatible, with Glance's image body (no `__*` extras, `os_hash_*`, `os_hidden`) and Glance's
// refusals: WebOb's JSON error body (errors.ts `glanceError`, from the route's service), and members of an image
// that is not `shared` are 403 "Only shared images have members." (Glance since Ocata; IMS answers them).
import { glanceError } from '../errors';
import type { Ctx } from '../http/context';
import type { Reply } from '../http/io';
import { listImages, removeImage, showImage, showMembers } from '../ims/handlers';
import { getImage } from '../model/images';

const IMS_ONLY = ['virtual_env_type', 'hw_firmware_type'];

/** An IMS image body as Glance would send it. */
export function toGlanceImage(ims: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ims)) if (!k.startsWith('__') && !IMS_ONLY.includes(k)) out[k] = v;
  const active = ims.status === 'active';
  out.size = active ? Number(ims.min_disk ?? 0) * 1024 ** 3 : null;
  out.os_hash_algo = active ? 'sha512' : null;
  out.os_hash_value = active
    ? 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e'
    : null;
  out.os_hidden = false;
  if (!active) out.checksum = null;
  return out;
}

export function showGlanceImage(ctx: Ctx): Reply {
  const r = showImage(ctx);
  return { ...r, body: toGlanceImage(r.body as Record<string, unknown>) };
}

export function listGlanceImages(ctx: Ctx): Reply {
  const r = listImages(ctx);
  const body = r.body as { images: Record<string, unknown>[] };
  return { ...r, body: { ...body, images: body.images.map(toGlanceImage) } };
}

export function deleteGlanceImage(ctx: Ctx): Reply {
  return removeImage(ctx);
}

export function showGlanceMembers(ctx: Ctx): Reply {
  const img = getImage(ctx.sim.world, ctx.params.image_id, ctx.token?.projectId ?? ctx.sim.world.account.projectId);
  if (img.visibility !== 'shared') throw glanceError(403, `Error fetching members of image ${img.id}: Only shared images have members.`);
  return showMembers(ctx);
}
