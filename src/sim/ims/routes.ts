import type { ServiceRoute } from '../http/context';
import { deleteTag, listImages, putTag, removeImage, showImage, showMembers } from './handlers';

const image = (ctx: { params: Record<string, string> }) => [ctx.params.image_id];

export const imsRoutes: ServiceRoute[] = [
  { method: 'GET', path: '/ims/v2/images', service: 'ims', op: 'ims.listImages', handle: listImages },
  { method: 'GET', path: '/ims/v2/images/:image_id', service: 'ims', op: 'ims.getImage', handle: showImage },
  { method: 'DELETE', path: '/ims/v2/images/:image_id', service: 'ims', op: 'ims.deleteImage', handle: removeImage },
  { method: 'GET', path: '/ims/v2/images/:image_id/members', service: 'ims', op: 'ims.listMembers', handle: showMembers },
  { method: 'PUT', path: '/ims/v2/images/:image_id/tags/:tag', service: 'ims', op: 'ims.addTag', targets: image, handle: putTag },
  { method: 'DELETE', path: '/ims/v2/images/:image_id/tags/:tag', service: 'ims', op: 'ims.deleteTag', targets: image, handle: deleteTag },
];
