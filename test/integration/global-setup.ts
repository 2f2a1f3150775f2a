// One Temporal dev server for the whole integration run (in memory, headless), shared by every test file;
// each file brings its own simulator and task queues. TEMPORAL_TEST_ADDRESS points at a running server instead.
import type { TestProject } from 'vitest/node' with { 'resolution-mode': 'import' };
import { startDevServer } from '../../src/dev/dev-server';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.TEMPORAL_TEST_ADDRESS;
  if (external) {
    project.provide('temporalAddress', external);
    return undefined;
  }
  const server = await startDevServer();
  project.provide('temporalAddress', server.address);
  return () => server.stop();
}
