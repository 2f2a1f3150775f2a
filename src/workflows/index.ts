// Entry point of the workflow bundle (Worker `workflowsPath`).
export { exportDiskImage } from './export-disk-image';
export { exportServerDisks } from './export-server-disks';
export { serverHold } from './server-hold';
export { scheduledExport } from './scheduled-export';
