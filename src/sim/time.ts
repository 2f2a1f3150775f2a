// The timestamp spellings each service uses on the wire (cloud-api.md §3.1, §4.1, §4.4, §5.1).

/** Cinder/EVS: `2019-08-09T06:19:35.874737` — microseconds, no zone. */
export const cinderTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 23)}000`;

/** ECS server / Glance image: `2019-05-22T03:30:52Z` — seconds, Z. */
export const secondsZ = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** ECS jobs: `2016-04-25T20:04:47.591Z`. */
export const millisZ = (ms: number): string => new Date(ms).toISOString();
