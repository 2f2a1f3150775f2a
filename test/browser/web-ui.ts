// What a person does in the Temporal Web UI (2.54, the one `temporal server start-dev` serves), as Playwright
// steps. Selectors are the UI's own labels, roles and test ids; each wait is on something the page shows.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

export interface StartForm {
  workflowId: string;
  taskQueue: string;
  workflowType: string;
  input: unknown;
}

/** Types `text` into one of the UI's code editors (CodeMirror), replacing what it held. */
async function typeIntoEditor(page: Page, editor: ReturnType<Page['getByRole']>, text: string): Promise<void> {
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(text);
}

/** Workflows → Start Workflow: fills the form and starts the run; resolves once the UI says it started. */
export async function startWorkflowFromForm(page: Page, ui: string, f: StartForm, screenshot?: string): Promise<void> {
  await page.goto(`${ui}/namespaces/default/workflows`);
  await page.getByRole('link', { name: 'Start Workflow' }).click();
  await page.getByLabel('Workflow ID').fill(f.workflowId);
  await page.getByLabel('Task Queue').fill(f.taskQueue);
  await page.getByLabel('Workflow Type').fill(f.workflowType);
  // Once the task queue field is left, the form looks the queue up and shows its pollers: the worker is there.
  await page.getByText('Task Queue is Active').waitFor();
  const data = page.getByRole('textbox', { name: 'Data' });
  await typeIntoEditor(page, data, JSON.stringify(f.input));
  // Leaving the editor pretty-prints the JSON, which grows it and moves the button below: let that happen
  // first, or the click lands where the button was.
  await page.getByLabel('Workflow ID').click();
  await expect.poll(() => data.innerText()).toContain('\n');
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  await page.getByTestId('start-workflow-button').click();
  await page.getByText('Workflow started successfully').first().waitFor();
}

/** The run's page (its latest run), on the default tab. */
export async function openRun(page: Page, ui: string, workflowId: string): Promise<void> {
  await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
  await page.getByTestId('workflow-id-heading').getByText(workflowId).waitFor();
}

/** Waits until the status badge in the run's header reads `status` (case-insensitive); the page refreshes itself. */
export async function waitForStatus(page: Page, status: string, timeout = 120_000): Promise<void> {
  await expect
    .poll(() => page.getByTestId('execution-status').first().innerText(), { timeout, interval: 500 })
    .toMatch(new RegExp(`^\\s*${status}\\s*$`, 'i'));
}

/** The text of the run's page without its navigation: header, tab, input and result panels, timeline labels. */
export function mainText(page: Page): Promise<string> {
  return page.locator('main').innerText();
}

/**
 * User Metadata → Current details: the markdown the workflow set with `setCurrentDetails`, rendered by the UI in
 * an iframe. The UI fetches it once when the tab opens and again when the R key is pressed, so this presses R
 * until the text matches `until`, and returns the text.
 */
export async function currentDetails(page: Page, until: RegExp, timeout = 90_000): Promise<string> {
  if (!page.url().endsWith('/user-metadata')) await page.getByTestId('user-metadata-tab').click();
  const body = page.frameLocator('#user-metadata-current-details').locator('body');
  let text = '';
  await expect
    .poll(
      async () => {
        text = await body.innerText({ timeout: 5_000 }).catch(() => '');
        if (!until.test(text)) await page.keyboard.press('r');
        return text;
      },
      { timeout, interval: 1_000 },
    )
    .toMatch(until);
  return text;
}

/** More Actions → Send an Update: picks the update by name, types its JSON input, submits, awaits the UI's word. */
export async function sendUpdate(page: Page, name: string, input: unknown, screenshot?: string): Promise<void> {
  await page.getByRole('button', { name: 'More Actions' }).click();
  await page.getByRole('menuitem', { name: 'Send an Update' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send an Update' });
  await dialog.getByTestId('update-select-button').click();
  // The options list each update the workflow registered, with its description after the name.
  await dialog.getByRole('option', { name: new RegExp(`^${name}\\b`) }).click();
  await typeIntoEditor(page, dialog.getByRole('textbox', { name: 'Data' }), JSON.stringify(input));
  if (screenshot) await page.screenshot({ path: screenshot });
  await dialog.getByRole('button', { name: 'Submit' }).click();
  await page.getByText('Update successful').first().waitFor();
  await dialog.waitFor({ state: 'hidden' });
}
