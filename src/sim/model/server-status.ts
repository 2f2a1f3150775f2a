// ECS/Nova `status` derived from vm_state + task_state (cloud-api.md §4.2, nova common.py `_STATE_MAP`).
// Stored once, derived on read: a stopping server is ACTIVE + powering-off, a starting one SHUTOFF + powering-on.

const BY_VM_STATE: Record<string, { default: string; byTask?: Record<string, string> }> = {
  building: { default: 'BUILD' },
  active: {
    default: 'ACTIVE',
    byTask: {
      rebooting: 'REBOOT',
      reboot_pending: 'REBOOT',
      reboot_started: 'REBOOT',
      rebooting_hard: 'HARD_REBOOT',
      reboot_pending_hard: 'HARD_REBOOT',
      reboot_started_hard: 'HARD_REBOOT',
      rebuilding: 'REBUILD',
      rebuild_block_device_mapping: 'REBUILD',
      rebuild_spawning: 'REBUILD',
      migrating: 'MIGRATING',
      'powering-off': 'ACTIVE',
      deleting: 'ACTIVE',
    },
  },
  stopped: {
    default: 'SHUTOFF',
    byTask: {
      resize_prep: 'RESIZE',
      resize_migrating: 'RESIZE',
      resize_migrated: 'RESIZE',
      resize_finish: 'RESIZE',
      rebuilding: 'REBUILD',
      rebuild_block_device_mapping: 'REBUILD',
      rebuild_spawning: 'REBUILD',
      'powering-on': 'SHUTOFF',
      deleting: 'SHUTOFF',
    },
  },
  resized: { default: 'VERIFY_RESIZE', byTask: { resize_reverting: 'REVERT_RESIZE' } },
  error: {
    default: 'ERROR',
    byTask: { rebuilding: 'REBUILD', rebuild_block_device_mapping: 'REBUILD', rebuild_spawning: 'REBUILD', deleting: 'ERROR' },
  },
  deleted: { default: 'DELETED' },
  shelved: { default: 'SHELVED' },
  shelved_offloaded: { default: 'SHELVED_OFFLOADED' },
};

export function deriveServerStatus(vmState: string, taskState: string | null): string {
  const row = BY_VM_STATE[vmState];
  if (!row) return 'UNKNOWN';
  if (taskState === null) return row.default;
  return row.byTask?.[taskState] ?? (vmState === 'building' || vmState.startsWith('shelved') ? row.default : 'UNKNOWN');
}

/** P1's "fully stopped". */
export function isFullyStopped(vmState: string, taskState: string | null): boolean {
  return deriveServerStatus(vmState, taskState) === 'SHUTOFF' && taskState === null;
}

/** Seed/patch statuses onto stored state. */
export const SEEDABLE_STATUS: Record<string, { vmState: string; powerState: number }> = {
  ACTIVE: { vmState: 'active', powerState: 1 },
  SHUTOFF: { vmState: 'stopped', powerState: 4 },
  ERROR: { vmState: 'error', powerState: 0 },
};
