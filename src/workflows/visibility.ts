// Search attributes a run sets on itself, so it is found the same way whoever started it: the CLI, the Web UI's
// Start Workflow form, `temporal workflow start`, a schedule or a parent. Runs recorded before this set fewer;
// the patch keeps their replay unchanged. Workflow code.
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { patched, upsertSearchAttributes } from '@temporalio/workflow';

const PATCH = 'search-attributes-from-the-run';

export function upsertOwnSearchAttributes(pairs: SearchAttributeUpdatePair[]): void {
  if (patched(PATCH)) upsertSearchAttributes(pairs);
}
