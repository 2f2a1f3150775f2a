// EVS / Cinder paths under the block-storage endpoint `…/v2/{project_id}` (§1.2).
import { actionURL, joinURL } from '../urls';

export const volumeURL = (base: string, volumeId: string) => joinURL(base, 'volumes', volumeId);
export const volumeActionURL = (base: string, volumeId: string) => actionURL(base, 'volumes', volumeId);
