// A small topology for `npm run sim -- --demo`: running servers, a system disk, a data disk, a shared disk
// attached to three servers (one of them stopped) and a spare disk.
import type { SeedSpec } from './types';

export const DEMO_TOPOLOGY: SeedSpec = {
  servers: [{ name: 'web-1' }, { name: 'web-2' }, { name: 'db-1' }, { name: 'spare', status: 'SHUTOFF' }],
  volumes: [
    {
      name: 'web-1-system',
      size: 40,
      bootable: true,
      attachedTo: ['web-1'],
      device: '/dev/vda',
      volumeImageMetadata: { __os_type: 'Linux', image_name: 'Standard_Ubuntu_22.04_latest' },
    },
    { name: 'db-1-data', size: 100, attachedTo: ['db-1'] },
    { name: 'shared-content', size: 20, multiattach: true, attachedTo: ['web-1', 'web-2', 'spare'] },
    { name: 'scratch', size: 5 },
  ],
};
