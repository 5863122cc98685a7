import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { createTopic, feed, feedItem, uniqueTopic } from './helpers';

// The Consumers panel, with the real console consumer (`kafka-live-consumer`) as the group.
// Each test has a topic and a group of its own, so no test sees another's members or offsets.

const broker = process.env.KAFKA_LIVE_TEST_BROKER ?? 'kafka';
// nisshi answers a consumer's first JoinGroup after ~23 s (see README, "nisshi"), so each
// start of the console consumer costs that much there: the group's life story (stop, restart,
// reset, a second member) runs on Apache Kafka, and nisshi gets the round trip.
const kafkaOnly = () => test.skip(broker !== 'kafka', 'group membership changes take ~23 s each on nisshi');

let groups = 0;
function uniqueGroup(label: string): string {
  groups += 1;
  return `e2e-${label}-${Date.now().toString(36)}-${process.pid}-${groups}`;
}

/** The console consumer, as a user starts it: its topic and group from the environment. */
class ConsoleConsumer {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private readonly waiting = new Set<() => void>();

  constructor(topic: string, group: string) {
    const server = process.env.KAFKA_LIVE_BIN;
    if (!server) throw new Error('KAFKA_LIVE_BIN is not set: run the suite through scripts/test');
    this.child = spawn(join(dirname(server), 'kafka-live-consumer'), [], {
      env: { ...process.env, KAFKA_TOPIC: topic, KAFKA_CONSUMER_GROUP: group, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let partial = '';
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      this.lines.push(...parts);
      this.waiting.forEach((wake) => wake());
    });
  }

  /** Its client id, as Kafka lists the member. */
  get clientId(): string {
    return `kafka-live-consumer-${this.child.pid}`;
  }

  /** How many times it printed the record with this value. */
  printed(value: string): number {
    return this.lines.filter((line) => line.endsWith(`: value = ${value}`)).length;
  }

  /** Resolves once `check` holds for what it printed. */
  async until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    if (check()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(wake);
        reject(new Error(`the console consumer never printed ${what}; it printed:\n${this.lines.join('\n')}`));
      }, timeoutMs);
      const wake = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve();
      };
      this.waiting.add(wake);
    });
  }

  /** SIGTERM, as Ctrl-C would: it commits what it printed, leaves the group and exits 0. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
      this.child.kill('SIGTERM');
      return exited;
    }
    return this.child.exitCode;
  }
}

const running: ConsoleConsumer[] = [];
function startConsumer(topic: string, group: string): ConsoleConsumer {
  const consumer = new ConsoleConsumer(topic, group);
  running.push(consumer);
  return consumer;
}
test.afterEach(async () => {
  await Promise.all(running.splice(0).map((consumer) => consumer.stop()));
});

/** The page on the test's topic, watching the test's group, with its feed live. */
async function openWatching(page: Page, topic: string, group: string): Promise<void> {
  await page.goto(`/?topic=${topic}&group=${group}`);
  await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
  await expect(page.locator('.catch-up')).toHaveAttribute('data-caught-up', 'true');
  await expect(panel(page).getByLabel('Consumer group')).toHaveValue(group);
}

function panel(page: Page) {
  return page.getByRole('complementary', { name: 'Consumers' });
}

function totalLag(page: Page) {
  return panel(page).locator('.total-lag');
}

function members(page: Page) {
  return panel(page).getByRole('list', { name: 'Members' }).locator('.member');
}

/** Submits through the box and waits for the record in the feed. */
async function submit(page: Page, text: string): Promise<void> {
  await page.getByLabel('Enter Text:').fill(text);
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(feedItem(page, text)).toBeVisible();
  await expect(page.getByLabel('Enter Text:')).toHaveValue('');
}

function mark(page: Page, text: string) {
  return feedItem(page, text).locator('.consumed');
}

/** A topic and a group of the test's own, the console consumer started in it, and the page
 *  watching it. */
async function consumerAtWork(page: Page, label: string): Promise<{ topic: string; group: string; consumer: ConsoleConsumer }> {
  const topic = uniqueTopic(label);
  const group = uniqueGroup(label);
  await createTopic(page, topic);
  const consumer = startConsumer(topic, group);
  await openWatching(page, topic, group);
  return { topic, group, consumer };
}

test.describe('the Consumers panel', () => {
  test.describe.configure({ timeout: broker === 'kafka' ? 60_000 : 120_000 });

  test('a record Submitted is marked consumed by the console consumer’s group, and the lag returns to 0', async ({ page }) => {
    const { topic, group, consumer } = await consumerAtWork(page, 'consumed');
    const rows = panel(page).locator('tr.partition-row');
    await expect(rows.locator('th')).toHaveText(['partition 0', 'partition 1', 'partition 2']);
    // Joined: the group is Stable once the consumer holds the partitions.
    await expect(panel(page).locator('.group-state')).toHaveAttribute('data-state', 'stable', { timeout: 60_000 });

    const text = `consume me ${group}`;
    await submit(page, text);
    await consumer.until(() => consumer.printed(text) === 1, text);
    await expect(mark(page, text)).toHaveText(new RegExp(`^consumed by ${group} after \\d+ (ms|\\.\\d s)$`));
    await expect(totalLag(page)).toHaveAttribute('data-lag', '0');
    await expect(totalLag(page)).toHaveText('Total lag: 0 records');
    // The committed offsets on screen add up to the one record.
    const committed = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-committed') ?? 0)));
    expect(committed.reduce((a, b) => a + b, 0)).toBe(1);
    // The chooser's list: the configured group first, then this one, which holds the topic's
    // partitions and has committed on it (the list is kept 3 s, so it may take one refresh).
    await expect
      .poll(async () => (await page.request.post('/api/consumer_groups', { form: { topic } })).json())
      .toEqual({ configured: 'kitchen-group-1', others: [group], unavailable: null });
    await panel(page).getByLabel('Consumer group').focus();
    await expect(panel(page).getByLabel('Consumer group').locator('option')).toHaveText(['kitchen-group-1', group]);
    // The second round-trip row: Submit to consumed, from this one Submit.
    await expect(page.locator('.consumed-trips')).toHaveAttribute('data-count', '1');
    await expect(page.locator('.consumed-trips')).toContainText(`Submit to consumed by ${group}: p50`);
    if (broker === 'kafka') {
      await expect(members(page)).toHaveCount(1);
      await expect(members(page)).toHaveAttribute('data-client-id', consumer.clientId);
      await expect(members(page)).toContainText('partitions 0, 1, 2');
    }
    const shot = process.env.KAFKA_LIVE_CONSUMERS_SCREENSHOT;
    if (shot && broker === 'kafka') await page.screenshot({ path: shot, fullPage: true });
  });

  test('with the consumer stopped, 5 Submits are lag 5; started again, lag 0 and all 5 marked', async ({ page }) => {
    kafkaOnly();
    const started = await consumerAtWork(page, 'lagging');
    const { topic, group } = started;
    let consumer = started.consumer;
    await expect(members(page)).toHaveCount(1);
    await submit(page, `before ${group}`);
    await expect(mark(page, `before ${group}`)).toBeVisible();

    expect(await consumer.stop()).toBe(0);
    await expect(panel(page).locator('.group-state')).toHaveAttribute('data-state', 'empty');
    await expect(panel(page).locator('.members.none')).toHaveText('No members: no consumer in this group is running.');
    const texts = Array.from({ length: 5 }, (_, i) => `waiting ${i} ${group}`);
    for (const text of texts) await submit(page, text);
    await expect(totalLag(page)).toHaveAttribute('data-lag', '5');
    await expect(totalLag(page)).toHaveText('Total lag: 5 records');
    // The lag sparkline beside the throughput one says it too.
    await expect(page.getByRole('img', { name: /^Lag over the last minute: 5 records now, peak 5$/ })).toBeVisible();
    // That look came after all five: none of them is marked.
    await expect(feed(page).locator('.feed-item').filter({ hasText: 'waiting' }).locator('.consumed')).toHaveCount(0);
    await expect(panel(page).locator('.time-lag')).toContainText('The oldest unconsumed record is');

    consumer = startConsumer(topic, group);
    await consumer.until(() => texts.every((text) => consumer.printed(text) === 1), 'the 5 waiting records');
    await expect(totalLag(page)).toHaveAttribute('data-lag', '0');
    for (const text of texts) await expect(mark(page, text)).toHaveText(new RegExp(`^consumed by ${group}`));
    // What was consumed before the stop is not printed again.
    expect(consumer.printed(`before ${group}`)).toBe(0);
  });

  test('reset to earliest with the consumer stopped: started again, it prints every record again', async ({ page }) => {
    kafkaOnly();
    const started = await consumerAtWork(page, 'replay');
    const { topic, group } = started;
    let consumer = started.consumer;
    await expect(members(page)).toHaveCount(1);
    const texts = Array.from({ length: 3 }, (_, i) => `replay ${i} ${group}`);
    for (const text of texts) await submit(page, text);
    await consumer.until(() => texts.every((text) => consumer.printed(text) === 1), 'the 3 records');
    await expect(totalLag(page)).toHaveAttribute('data-lag', '0');

    // With a member, the page refuses before asking, and says why.
    await panel(page).getByRole('button', { name: 'Reset offsets' }).click();
    await expect(panel(page).locator('.reset-refused')).toHaveText(
      `${group} has 1 member: stop its consumers first. Kafka lets only an empty group's offsets be reset.`,
    );
    // The server refuses too, whoever asks.
    const refused = await page.request.post('/api/reset_offsets', { form: { topic, group, to: 'earliest' } });
    expect(refused.status()).toBe(409);
    expect(await refused.text()).toContain(`${group} has 1 member (Stable): stop its consumers first.`);

    expect(await consumer.stop()).toBe(0);
    await expect(panel(page).locator('.group-state')).toHaveAttribute('data-state', 'empty');
    await expect(panel(page).getByLabel('Reset to')).toHaveValue('earliest');
    // Dismissed, nothing is asked of the server; accepted, the reset is done.
    const questions: string[] = [];
    page.once('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.dismiss();
    });
    await panel(page).getByRole('button', { name: 'Reset offsets' }).click();
    await expect.poll(() => questions.length).toBe(1);
    page.once('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.accept();
    });
    await panel(page).getByRole('button', { name: 'Reset offsets' }).click();
    await expect(panel(page).locator('.reset-done')).toHaveText(
      `Reset ${group}: partition 0 at 0, partition 1 at 0, partition 2 at 0.`,
    );
    expect(questions).toEqual([
      `Reset ${group} on ${topic} to the earliest offset? Its consumers will read from there when they start.`,
      `Reset ${group} on ${topic} to the earliest offset? Its consumers will read from there when they start.`,
    ]);
    await expect(totalLag(page)).toHaveAttribute('data-lag', '3');

    consumer = startConsumer(topic, group);
    await consumer.until(() => texts.every((text) => consumer.printed(text) === 1), 'the 3 records again');
    await expect(totalLag(page)).toHaveAttribute('data-lag', '0');
  });

  test('two members: the panel shows both and their partitions; one leaves and the panel shows the rebalance', async ({ page }) => {
    kafkaOnly();
    const { topic, group, consumer: first } = await consumerAtWork(page, 'members');
    await expect(members(page)).toHaveCount(1);
    await expect(members(page)).toHaveAttribute('data-partitions', '3');

    const second = startConsumer(topic, group);
    // Both members, each with its share: librdkafka's default assignor (range) splits 3
    // partitions 2 and 1. Read as one snapshot, so no half-finished rebalance is compared.
    const holders = () =>
      members(page).evaluateAll((lis) =>
        lis.map((li) => `${li.getAttribute('data-client-id')} ${li.getAttribute('data-partitions')}`).sort(),
      );
    const expected = [first.clientId, second.clientId].sort();
    await expect
      .poll(async () => (await holders()).map((h) => h.split(' ')[0]), { timeout: 30_000 })
      .toEqual(expected);
    await expect
      .poll(async () => (await holders()).map((h) => Number(h.split(' ')[1])).sort(), { timeout: 30_000 })
      .toEqual([1, 2]);
    await expect(panel(page).locator('.rebalanced')).toHaveText(/^Rebalanced: 1 member → 2 members; /);

    expect(await second.stop()).toBe(0);
    await expect(panel(page).locator('.rebalanced')).toHaveText(
      `Rebalanced: 2 members → 1 member; ${first.clientId} holds [0, 1, 2].`,
      { timeout: 30_000 },
    );
    await expect(members(page)).toHaveCount(1);
    await expect(members(page)).toHaveAttribute('data-client-id', first.clientId);
    await expect(panel(page).locator('.group-state')).toHaveAttribute('data-state', 'stable');

    // The one left consumes everything.
    const text = `after the rebalance ${group}`;
    await submit(page, text);
    await first.until(() => first.printed(text) === 1, text);
    await expect(mark(page, text)).toBeVisible();
  });

  test('a group with no offsets on the topic shows as such, and the choice is kept in the address', async ({ page }) => {
    const topic = uniqueTopic('nobody');
    const group = uniqueGroup('nobody');
    await createTopic(page, topic);
    await openWatching(page, topic, group);
    await expect(panel(page).locator('.group-state')).toHaveAttribute('data-state', 'dead');
    await expect(panel(page).locator('.group-summary')).toHaveText(`There is no consumer group ${group}.`);
    await expect(panel(page).locator('.members.none')).toBeVisible();
    await expect(panel(page).locator('tr.partition-row')).toHaveCount(3);
    await expect(panel(page).locator('tr.partition-row[data-committed]')).toHaveCount(0);

    // Choosing the configured group drops `group=` from the address; the topic stays.
    await panel(page).getByLabel('Consumer group').selectOption('kitchen-group-1');
    await expect(page).toHaveURL(new RegExp(`/\\?topic=${topic}$`));
    await expect(panel(page).locator('.group-state')).toHaveText(/^kitchen-group-1: /);
    await page.goBack();
    await expect(panel(page).getByLabel('Consumer group')).toHaveValue(group);
    // Another topic keeps the watched group (the server's own topic leaves `topic=` out).
    await page.getByLabel('Topic').selectOption(process.env.KAFKA_TOPIC!);
    await expect(page).toHaveURL(new RegExp(`/\\?group=${group}$`));
    await expect(panel(page).getByLabel('Consumer group')).toHaveValue(group);
  });
});
