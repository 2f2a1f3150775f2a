// EVS operations (§3.1 disk detail, §3.3 export to image).
import type { Caller } from '../call';
import type { EvsApi } from '../types';
import { toUploadImageBody } from './requests';
import { parseUploadImage, parseVolume } from './results';
import { volumeActionURL, volumeURL } from './urls';

export function evsApi(call: Caller): EvsApi {
  return {
    getVolume: async (volumeId, o) =>
      call(
        { service: 'evs', op: 'evs.getVolume', method: 'GET', url: (b) => volumeURL(b, volumeId), expect: [200], parse: parseVolume },
        o,
      ),

    uploadImage: async (volumeId, opts, o) =>
      call(
        {
          service: 'evs',
          op: 'evs.uploadImage',
          method: 'POST',
          url: (b) => volumeActionURL(b, volumeId),
          body: toUploadImageBody(opts),
          // 202: the export is accepted and runs asynchronously; no job id (§3.3).
          expect: [202],
          parse: parseUploadImage,
        },
        o,
      ),
  };
}
