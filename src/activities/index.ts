// createActivities(deps): the activities the workflows call, closed over one cloud client per worker
// (Temporal samples' dependency-injection pattern). Each returns the API calls it made (`apiCalls`). None waits
// for anything but its own few calls (P9): a wait is reads that the retry policy repeats (poll.ts), and waiting
// for another workflow is a signal to a workflow condition. The waits share the worker's estimator of how long
// each step takes (step-times.ts), kept beside the cloud client so that the main and the urgent task queue's
// activities — two createActivities calls on one client — learn together.
import { copyingActivities } from './copying';
import { exportingActivities } from './exporting';
import { holdingActivities } from './holding';
import { planningActivities } from './planning';
import { schedulingActivities } from './scheduling';
import { type ActivityDeps, ActivityScope } from './scope';

export type { ActivityDeps, Counted } from './scope';
export type { CallCounts } from '../workflows/api';
export type { ImageSummary } from './planning';

export function createActivities(deps: ActivityDeps) {
  const s = new ActivityScope(deps);
  return {
    ...planningActivities(s),
    ...exportingActivities(s),
    ...copyingActivities(s),
    ...holdingActivities(s),
    ...schedulingActivities(s),
  };
}

export type Activities = ReturnType<typeof createActivities>;
