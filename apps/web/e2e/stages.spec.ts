// Stage controls in the browser, on the run's own pipeline (the console reads it under the run's
// topic prefix; its enrichment group is the one the global setup left stopped with lag): an
// operator pauses and resumes the enrichment stage, an admin stops it, previews an offset reset
// and applies it by typing the group name; each step is checked on the broker (the record on the
// control topic, the group's committed offsets), not only on the page. A viewer sees no control.
// The group's offsets and state are put back afterwards, so the order of the specs does not matter.
import { expect, test } from '@playwright/test';
import type { ResetRow, StageControl } from '@sluice/core';
import {
  commitGroupOffsets,
  createKafka,
  publishStageControl,
  readStageControls,
} from '@sluice/kafka';
import { E2E_KAFKA, E2E_USERS, e2eEnv } from './env.ts';
import { signIn } from './sign-in.ts';

const kafka = createKafka({
  brokers: e2eEnv.kafkaBrokers,
  clientId: 'sluice-e2e-stages',
  logLevel: 'nothing',
});

/** The enrichment stage's latest record on the run's control topic, as the workers read it. */
async function controlOnBroker(): Promise<StageControl | undefined> {
  const controls = await readStageControls({
    brokers: e2eEnv.kafkaBrokers,
    clientId: 'sluice-e2e-stages',
    topic: e2eEnv.names.topics.control,
  });
  return controls.get(e2eEnv.kafka.group);
}

/** The group's committed offset per partition of events.raw, from the broker. */
async function committedOnBroker(): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({
      groupId: e2eEnv.kafka.group,
      topics: [e2eEnv.kafka.topic],
    });
    return new Map((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);

let before: Map<number, number>;

test.beforeAll(async () => {
  before = await committedOnBroker();
});

test.afterAll(async () => {
  // The global setup's state for any spec that runs later: its offsets, and running.
  const rows: ResetRow[] = [...before].map(([partition, offset]) => ({
    topic: e2eEnv.kafka.topic,
    partition,
    current: null,
    next: offset,
    reprocess: 0,
    skip: 0,
  }));
  await commitGroupOffsets(kafka, e2eEnv.kafkaBrokers, e2eEnv.kafka.group, rows);
  await publishStageControl(kafka, e2eEnv.names.topics.control, e2eEnv.kafka.group, {
    state: 'running',
    by: 'e2e-teardown',
    at: new Date().toISOString(),
  });
});

test('an operator pauses and resumes a stage; an admin stops it and resets its offsets', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const { group } = e2eEnv.kafka;
  expect(sum(before), 'the global setup committed its traffic').toBe(E2E_KAFKA.consumed);

  await signIn(page, E2E_USERS.operator);
  await page.getByRole('link', { name: 'Stages' }).click();
  const table = page.getByRole('region', { name: 'State of each stage' });
  const enrichment = table.locator('tr[data-stage="enrichment"]');
  await expect(enrichment).toContainText(group);
  // The operator pauses, with a reason; the page and the control topic say so.
  await table.getByLabel('Reason (optional, shown with the state)').fill('e2e: sink upgrade');
  await enrichment.getByRole('button', { name: 'Pause' }).click();
  await expect(table.getByRole('status')).toHaveText(
    `${group}: paused by ${E2E_USERS.operator.email}.`,
  );
  await expect(enrichment).toContainText('paused (members stay, fetching stopped)');
  await expect(enrichment).toContainText('e2e: sink upgrade');
  expect(await controlOnBroker()).toMatchObject({
    state: 'paused',
    by: E2E_USERS.operator.email,
    reason: 'e2e: sink upgrade',
  });
  // Stopping is the admin's: the operator has no Stop button and no reset panel.
  await expect(table.getByRole('button', { name: 'Stop' })).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Reset offsets' })).toHaveCount(0);
  await enrichment.getByRole('button', { name: 'Resume' }).click();
  await expect(enrichment).toContainText(/^Enrichment.*running/);
  await expect.poll(async () => (await controlOnBroker())?.state).toBe('running');

  // The admin stops it (confirming the dialog), previews a reset to the earliest offsets and
  // applies it by typing the group name.
  await page.context().clearCookies();
  await signIn(page, E2E_USERS.admin);
  await page.goto(`${e2eEnv.baseUrl}/stages`);
  page.once('dialog', (d) => void d.accept());
  await enrichment.getByRole('button', { name: 'Stop' }).click();
  await expect(enrichment).toContainText('stopped (no members in the group)');
  expect(await controlOnBroker()).toMatchObject({ state: 'stopped', by: E2E_USERS.admin.email });
  // The group has no member (its worker is gone): Kafka calls it empty, as the page does.
  await expect(enrichment).toContainText('empty (no member)');

  const reset = page.getByRole('region', { name: 'Reset offsets' });
  // A label around a select takes its options' text into its name: matched by its start.
  await reset.getByRole('combobox', { name: /^Stage/ }).selectOption('enrichment');
  await reset.getByRole('combobox', { name: /^To/ }).selectOption('earliest');
  await reset.getByRole('button', { name: 'Preview' }).click();
  const plan = reset.getByRole('table', { name: 'Reset plan' });
  await expect(plan.locator('tbody tr')).toHaveCount(E2E_KAFKA.partitions);
  await expect(reset.getByText(/^Total: /)).toHaveText(
    `Total: ${E2E_KAFKA.consumed.toLocaleString('en-US')} read again, 0 skipped.`,
  );
  // Nothing moved yet: the preview only reads.
  expect(await committedOnBroker()).toEqual(before);

  const apply = reset.getByRole('button', { name: 'Apply reset' });
  const confirm = reset.getByLabel(`Type the group name, ${group}, to apply`);
  await confirm.fill('enrichment-workers');
  await expect(apply).toBeDisabled();
  await confirm.fill(group);
  await apply.click();
  await expect(reset.getByRole('status')).toContainText(
    `${group}: offsets reset on ${E2E_KAFKA.partitions} partitions`,
  );
  const after = await committedOnBroker();
  expect([...after.keys()].sort((a, b) => a - b)).toEqual([...before.keys()].sort((a, b) => a - b));
  expect([...after.values()].every((o) => o === 0)).toBe(true);
  expect(sum(after)).not.toBe(sum(before));
});

test('a viewer sees the stages and no control', async ({ page }) => {
  await signIn(page, E2E_USERS.viewer);
  await page.goto(`${e2eEnv.baseUrl}/stages`);
  const table = page.getByRole('region', { name: 'State of each stage' });
  await expect(table.locator('tr[data-stage="enrichment"]')).toContainText(e2eEnv.kafka.group);
  await expect(table.locator('tbody tr')).toHaveCount(4);
  await expect(page.getByRole('button', { name: /pause|resume|stop|preview|apply/i })).toHaveCount(
    0,
  );
  await expect(page.getByLabel('Reason (optional, shown with the state)')).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Reset offsets' })).toHaveCount(0);
});
