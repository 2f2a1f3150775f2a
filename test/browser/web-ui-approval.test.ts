// The runbook in a real browser (issue 11): headless Chromium — the system's package, driven by playwright-core —
// against the embedded stack of `npm start` (Temporal dev server with its Web UI, the simulator seeded with the
// demo topology, a worker). An operator starts an export from the Web UI's Start Workflow form with
// requireApproval, reads the plan on the run's page, approves it with the UI's Send an Update, and sees the run
// done with each server's downtime. Screenshots go to test/browser/output/ (BROWSER_TEST_UPDATE_DOCS=1 also
// refreshes the one the README shows, docs/img/web-ui-approval.png).
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../src/dev/local-stack';
import { freePort } from '../../src/dev/dev-server';
import { DEMO_TOPOLOGY } from '../../src/sim/demo-topology';
import type { ExportDiskResult } from '../../src/workflows/api';
import { findChromium, launchOptions } from './chromium';
import { currentDetails, mainText, openRun, sendUpdate, startWorkflowFromForm, waitForStatus } from './web-ui';

const ROOT = resolve(__dirname, '..', '..');
const OUTPUT = join(__dirname, 'output');
const DOCS_SCREENSHOT = join(ROOT, 'docs', 'img', 'web-ui-approval.png');

/**
 * What the run's page must say, in one place to adapt when the workflow's wording changes. Each pattern is
 * matched against one line of rendered text (a list item, a table row and a paragraph line are each one line).
 */
const SAYS = {
  phase: (phase: string) => new RegExp(`phase\\b[^\\n]*\\b${phase}\\b`, 'i'),
  willStop: (server: string) => new RegExp(`\\b${server}\\b[^\\n]*will stop`, 'i'),
  downtime: (server: string) => new RegExp(`\\b${server}\\b[^\\n]*\\bdown[^\\n]*\\d`, 'i'),
};

const found = findChromium();
if (found.why !== undefined) console.warn(`browser test skipped: ${found.why}`);

describe.skipIf(!found.path)('the Web UI, in a real browser', () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  let ui: string;
  const shot = (name: string) => join(OUTPUT, name);

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    rmSync(shot('failure.png'), { force: true });
    // Its own dev server, for the Web UI: the integration suite's shared one runs headless.
    stack = await startLocalStack({ uiPort: await freePort(), simPort: 0 });
    ui = stack.temporal.uiUrl!;
    browser = await chromium.launch(launchOptions(found.path!));
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(60_000);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('starts an export from the form, shows the plan, takes the approve update, and ends done with each downtime', async () => {
    const seeded = stack.sim.sim.seed(DEMO_TOPOLOGY);
    // Attached to web-1 and web-2 (running) and spare (stopped): two servers will stop, one is left alone.
    const disk = seeded.volumes.find((v) => v.name === 'shared-content')!;
    const workflowId = `export-${disk.id}`;
    const running = ['web-1', 'web-2'];
    try {
      await startWorkflowFromForm(
        page,
        ui,
        {
          workflowId,
          taskQueue: stack.taskQueue,
          workflowType: 'exportDiskImage',
          input: { volumeId: disk.id, imageName: 'web-ui-golden-1', requireApproval: true },
        },
        shot('01-start-form.png'),
      );

      // The plan, while the run waits: the servers that will stop, and the one that stays as it is.
      await openRun(page, ui, workflowId);
      await waitForStatus(page, 'running');
      const plan = await currentDetails(page, SAYS.phase('awaiting-approval'));
      for (const server of running) expect(plan).toMatch(SAYS.willStop(server));
      expect(plan).toMatch(/\bspare\b/);
      expect(plan).not.toMatch(SAYS.willStop('spare'));
      await page.screenshot({ path: shot('02-plan-awaiting-approval.png'), fullPage: true });
      if (process.env.BROWSER_TEST_UPDATE_DOCS === '1') {
        mkdirSync(join(ROOT, 'docs', 'img'), { recursive: true });
        copyFileSync(shot('02-plan-awaiting-approval.png'), DOCS_SCREENSHOT);
      }

      await sendUpdate(page, 'approve', { by: 'web-ui-test' }, shot('03-approve-update.png'));

      // Done: the header says so, the current details show the phase and each server's downtime.
      await waitForStatus(page, 'completed');
      const done = await currentDetails(page, SAYS.phase('done'));
      for (const server of running) expect(done).toMatch(SAYS.downtime(server));
      expect(done).toContain('web-ui-test');
      await page.screenshot({ path: shot('04-done-current-details.png'), fullPage: true });

      // The default tab shows the result, whose first server's downtime is in view.
      await page.getByTestId('timeline-tab').click();
      await expect.poll(() => mainText(page)).toMatch(/web-1[\s\S]*downtime/i);
      await page.screenshot({ path: shot('05-done-run-page.png'), fullPage: true });
    } catch (err) {
      await page.screenshot({ path: shot('failure.png'), fullPage: true }).catch(() => undefined);
      throw err;
    }

    // What the page said is what happened: the run's result, and the simulator's oracle.
    const result: ExportDiskResult = await stack.client.workflow.getHandle(workflowId).result();
    expect(result.imageStatus).toBe('active');
    for (const server of running) expect(result.servers.find((s) => s.name === server)?.downtimeMs).toBeGreaterThan(0);
    const oracle = stack.sim.sim.oracle();
    expect(oracle.p1Violations).toEqual([]);
    expect(oracle.serversNotRestored).toEqual([]);
    expect(oracle.duplicateExports).toEqual([]);
  });
});
