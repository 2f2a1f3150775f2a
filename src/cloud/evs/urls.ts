// EVS / Cinder paths under the block-storage endpoint `…/v2/{project_id}` (§1.2); the snapshot and disk
// collections are built in resources.ts.
import { actionURL } from '../urls';

export const volumeActionURL = (base: string, volumeId: string) => actionURL(base, 'volumes', volumeId);
