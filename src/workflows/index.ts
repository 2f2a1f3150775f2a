// Entry point of the workflow bundle (Worker `workflowsPath`).
export { exportDiskImage } from './export-disk-image';
