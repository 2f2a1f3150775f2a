// EVS / Cinder paths under the block-storage endpoint `…/v2/{project_id}` (§1.2, §3.8).
import { actionURL, joinURL, type Query, withQuery } from '../urls';

export const volumeURL = (base: string, volumeId: string) => joinURL(base, 'volumes', volumeId);
export const volumeActionURL = (base: string, volumeId: string) => actionURL(base, 'volumes', volumeId);
export const volumesURL = (base: string) => joinURL(base, 'volumes');
export const volumesDetailURL = (base: string, query: Query) => withQuery(joinURL(base, 'volumes', 'detail'), query);

export const snapshotURL = (base: string, snapshotId: string) => joinURL(base, 'snapshots', snapshotId);
export const snapshotsURL = (base: string) => joinURL(base, 'snapshots');
export const snapshotsDetailURL = (base: string, query: Query) => withQuery(joinURL(base, 'snapshots', 'detail'), query);
