// The cloud simulator: `createSim()` for tests and the dev stack, `simCloudEnv()` for pointing a client at it,
// and the admin types shared with tests and benchmarks.
export { createSim, simCloudEnv, simCloudsYaml, type CreateSimOptions, type SimServer } from './server';
export { DEFAULT_ACCOUNT, OPENSTACK_ACCOUNT_DEFAULTS, Sim, type SimOptions } from './sim';
export { DEFAULT_CONFIG } from './config';
export { ManualClock, realClock, type Clock } from './model/clock';
export * from './types';
