import { test, expect, type Page } from '@playwright/test';
import { createTopic, feed, feedItem, numbersShown, openLive, produceFromOutside, produceThroughApp, unique, uniqueTopic } from './helpers';

// Issue 5: the live view. Every control, against the real broker, in Debian's Chromium.

function items(page: Page) {
  return feed(page).locator('.feed-item');
}

test.describe('producing', () => {
  test('every control has the name a screen reader announces', async ({ page }) => {
    await openLive(page);
    await expect(page.getByRole('textbox', { name: 'Key' })).toBeVisible();
    await expect(page.getByRole('combobox', { name: 'Partition' })).toBeVisible();
    await page.getByRole('button', { name: 'Add header' }).click();
    await expect(page.getByRole('textbox', { name: 'Header name' })).toBeVisible();
    await expect(page.getByRole('textbox', { name: 'Header value' })).toBeVisible();
    await expect(page.getByRole('checkbox', { name: 'One record per line' })).toBeVisible();
    await expect(page.getByRole('spinbutton', { name: 'Repeat' })).toBeVisible();
    await expect(page.getByRole('combobox', { name: 'Topic' })).toBeVisible();
    await expect(page.getByRole('combobox', { name: 'Start from' })).toBeVisible();
    await expect(page.getByRole('searchbox', { name: 'Filter' })).toBeVisible();
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(page.getByRole('button', { name: 'Resume' })).toBeVisible();
    await page.getByRole('button', { name: 'Resume' }).click();
    const text = unique('named');
    produceFromOutside([text]);
    await expect(feedItem(page, text).getByRole('button', { name: 'Re-produce' })).toBeVisible();
  });

  test('a key, headers and a chosen partition reach Kafka and show on the item', async ({ page }) => {
    await openLive(page);
    // The partition list is the topic's real partition count (3 for the test topics).
    await expect(page.getByLabel('Partition').locator('option')).toHaveCount(4);
    await page.getByLabel('Key').fill('order-7');
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByLabel('Header name').nth(0).fill('trace-id');
    await page.getByLabel('Header value').nth(0).fill('abc-123');
    await page.getByLabel('Header name').nth(1).fill('source');
    await page.getByLabel('Header value').nth(1).fill('playwright');
    await page.getByLabel('Partition').selectOption('2');
    const text = unique('keyed');
    await page.getByLabel('Enter Text:').fill(text);
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.locator('.receipt')).toHaveAttribute('data-partition', '2');
    const item = feedItem(page, text);
    await expect(item).toHaveAttribute('data-partition', '2');
    await expect(item.locator('.key')).toHaveText('order-7');
    await expect(item.locator('.headers li')).toHaveText(['trace-id: abc-123', 'source: playwright']);
    // key + value + header names and values
    const size = 'order-7'.length + text.length + 'trace-id'.length + 'abc-123'.length + 'source'.length + 'playwright'.length;
    await expect(item.locator('.size')).toHaveText(`${size} B`);
  });

  test('one record per line, repeated, sends every record in order and says where', async ({ page }) => {
    await openLive(page);
    const marker = unique('bulk');
    await page.getByLabel('One record per line').check();
    await page.getByLabel('Key').fill(marker); // one key: one partition, so one order to check
    await page.getByLabel('Enter Text:').fill(`${marker} a\n${marker} b\n\n${marker} c`);
    await page.getByLabel('Repeat').fill('2');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.locator('.receipt')).toContainText('Delivered 6 records to');
    await expect(page.locator('.receipt')).toHaveAttribute('data-count', '6');
    const values = feed(page).locator('.value', { hasText: marker });
    await expect(values).toHaveCount(6);
    // Newest on top: the reverse of the order sent.
    expect(await values.allTextContents()).toEqual(['c', 'b', 'a', 'c', 'b', 'a'].map((l) => `${marker} ${l}`));
  });

  test('Re-produce fills the producer with the record’s key, headers and value', async ({ page }) => {
    await openLive(page);
    const text = unique('again');
    produceFromOutside(['--key', 'k-9', '--header', 'h1=v1', '--header', 'h2=v2', text]);
    await feedItem(page, text).getByRole('button', { name: 'Re-produce' }).click();
    await expect(page.getByLabel('Key')).toHaveValue('k-9');
    await expect(page.getByLabel('Header name')).toHaveCount(2);
    await expect(page.getByLabel('Header name').nth(1)).toHaveValue('h2');
    await expect(page.getByLabel('Header value').nth(0)).toHaveValue('v1');
    await expect(page.getByLabel('Enter Text:')).toHaveValue(text);
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(feedItem(page, text)).toHaveCount(2);
  });

  test('bad producer input is refused with the reason and nothing is produced', async ({ page }) => {
    await openLive(page);
    const text = unique('refused');
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByLabel('Header value').fill('value without a name');
    await page.getByLabel('Enter Text:').fill(text);
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.getByRole('alert')).toContainText('Header 1 has a value but no name');
    await expect(page.getByLabel('Enter Text:')).toHaveValue(text);
    // A partition the topic does not have, sent past the page's own list.
    const response = await page.request.post('/api/produce', {
      form: { text, partition: '9' },
      headers: { Accept: 'application/json' },
    });
    expect(response.status()).toBe(400);
    expect(await response.text()).toContain('NoSuchPartition');
    // Nothing of it reached the topic: a record produced after it arrives, and it does not.
    const after = unique('after the refusal');
    await produceThroughApp(page, { text: after });
    await expect(feedItem(page, after)).toBeVisible();
    await expect(feedItem(page, text)).toHaveCount(0);
  });
});

test.describe('topics', () => {
  test('the selector lists the cluster’s topics; the address keeps the choice; producing and the feed follow', async ({ page }) => {
    const other = uniqueTopic('picked');
    await openLive(page);
    await createTopic(page, other);
    await page.reload();
    const select = page.getByLabel('Topic');
    await expect(select.locator('option', { hasText: other })).toHaveCount(1);
    await expect(select).toHaveValue(process.env.KAFKA_TOPIC!);
    await select.selectOption(other);
    await expect(page).toHaveURL(new RegExp(`\\?topic=${other}$`));
    await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
    const text = unique('on-other-topic');
    await page.getByLabel('Enter Text:').fill(text);
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.locator('.receipt')).toContainText(`Delivered to ${other}`);
    await expect(feedItem(page, text)).toBeVisible();

    // A link opens the same view; the default topic's page does not show the record.
    const linked = await page.context().newPage();
    await openLive(linked, other);
    await expect(linked.getByLabel('Topic')).toHaveValue(other);
    await expect(feedItem(linked, text)).toBeVisible();
    const home = await page.context().newPage();
    await openLive(home);
    // The default topic's next record reaches it, and the other topic's did not.
    const onHome = unique('on the default topic');
    await produceThroughApp(home, { text: onHome });
    await expect(feedItem(home, onHome)).toBeVisible();
    await expect(feedItem(home, text)).toHaveCount(0);
  });

  test('an unknown topic is offered for creation, then works', async ({ page }) => {
    const missing = uniqueTopic('missing');
    await page.goto(`/?topic=${missing}`);
    const offer = page.locator('.unknown-topic');
    await expect(offer).toContainText(`Topic ${missing} does not exist.`);
    await expect(page.locator('.refused')).toContainText(`Topic ${missing} does not exist.`);
    await page.getByLabel('Enter Text:').fill('not yet');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.locator('.producer .error')).toContainText(`Topic ${missing} does not exist`);
    await offer.getByRole('button', { name: `Create topic ${missing}` }).click();
    // The offer goes once the topic is there; the feed asks again and goes live.
    await expect(offer).toHaveCount(0);
    await expect(page.getByLabel('Partition').locator('option')).toHaveCount(4);
    await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
    await expect(page.locator('.refused')).toHaveCount(0);
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(feedItem(page, 'not yet')).toBeVisible();
  });

  test('a topic name Kafka would refuse is reported and the default topic shown', async ({ page }) => {
    await page.goto('/?topic=no%20spaces');
    await expect(page.getByRole('alert').filter({ hasText: 'Topic in the address' })).toContainText('cannot be in a topic name');
    await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
  });
});

test.describe('record details', () => {
  test('each item shows partition, offset, local time with its type, key, headers and size', async ({ page }) => {
    await openLive(page);
    const text = unique('details');
    const [partition, offset] = produceFromOutside(['--key', 'kk', '--header', 'trace=t-1', text])[0].split(' ');
    const item = feedItem(page, text);
    await expect(item.locator('.partition')).toHaveText(partition);
    await expect(item.locator('.offset')).toHaveText(offset);
    await expect(item.locator('.timestamp')).toHaveText(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC([+-]\d\d:\d\d)? \(CreateTime\)$/);
    await expect(item.locator('.key')).toHaveText('kk');
    await expect(item.locator('.headers')).toHaveText('trace: t-1');
    await expect(item.locator('.size')).toHaveText(`${2 + text.length + 5 + 3} B`);
  });

  test('JSON is pretty-printed with a toggle to raw; text stays text; other bytes are hex or base64', async ({ page }) => {
    await openLive(page);
    const marker = unique('json');
    const raw = `{"id":"${marker}","items":[1,2]}`;
    produceFromOutside([raw]);
    const json = feedItem(page, marker);
    const shown = () => json.locator('.value').textContent();
    await expect.poll(shown).toBe(`{\n  "id": "${marker}",\n  "items": [\n    1,\n    2\n  ]\n}`);
    await json.getByRole('button', { name: 'Raw' }).click();
    await expect.poll(shown).toBe(raw);
    await json.getByRole('button', { name: 'Pretty' }).click();
    await expect.poll(shown).toContain('\n  "items"');

    const text = unique('plain { not json');
    produceFromOutside([text]);
    await expect(feedItem(page, text).locator('.value')).toHaveText(text);
    await expect(feedItem(page, text).getByRole('button', { name: 'Raw' })).toHaveCount(0);

    const hex = Buffer.from(unique('bin')).toString('hex');
    const [partition, offset] = produceFromOutside(['--hex', `ff00${hex}`])[0].split(' ');
    await expect(feedItem(page, `0xff00${hex}`)).toBeVisible();
    const binary = feed(page).locator(`.feed-item[data-partition="${partition}"][data-offset="${offset}"]`);
    await binary.getByRole('button', { name: 'Base64' }).click();
    await expect(binary.locator('.value')).toHaveText(Buffer.from(`ff00${hex}`, 'hex').toString('base64'));
    await binary.getByRole('button', { name: 'Hex' }).click();
    await expect(binary.locator('.value')).toHaveText(`0xff00${hex}`);
  });

  test('records other producers wrote show safely: a null key and value, a huge header', async ({ page }) => {
    await openLive(page);
    const [partition, offset] = produceFromOutside(['--null'])[0].split(' ');
    const tombstone = feed(page).locator(`.feed-item[data-partition="${partition}"][data-offset="${offset}"]`);
    await expect(tombstone.locator('.value')).toHaveText('null');
    await expect(tombstone.locator('.value')).toHaveClass(/null/);
    await expect(tombstone.locator('.key')).toHaveText('null');
    await expect(tombstone.locator('.size')).toHaveText('0 B');

    const marker = unique('big-header');
    produceFromOutside(['--header', `big=${'h'.repeat(100 * 1024)}`, marker]);
    const item = feedItem(page, marker);
    await expect(item.locator('.header-value')).toContainText('… (100.0 KiB in all)');
    expect((await item.locator('.header-value').textContent())!.length).toBeLessThan(17 * 1024);
    const after = unique('after-the-odd-ones');
    produceFromOutside([after]);
    await expect(feedItem(page, after)).toBeVisible();
  });

  test('a 1 MiB record shows its first 16 KiB with "Show all", and the page answers a click at once', async ({ page }) => {
    await openLive(page);
    const marker = unique('large');
    produceFromOutside(['--fill', String(1024 * 1024), marker]);
    const item = feedItem(page, marker);
    await expect(item).toBeVisible();
    // Measured inside the page: click to the button's new state on screen.
    const answeredMs = await page.evaluate(async () => {
      const button = document.querySelector<HTMLButtonElement>('button.pause')!;
      const start = performance.now();
      button.click();
      while (button.textContent !== 'Resume') await new Promise((r) => requestAnimationFrame(r));
      return performance.now() - start;
    });
    console.log(`click answered ${answeredMs.toFixed(1)} ms after a 1 MiB record arrived`);
    expect(answeredMs).toBeLessThan(200);
    await page.getByRole('button', { name: 'Resume' }).click();
    expect((await item.locator('.value').textContent())!.length).toBe(16 * 1024);
    await expect(item.locator('.truncated')).toContainText('Showing the first 16.0 KiB of 1.00 MiB');
    await item.getByRole('button', { name: 'Show all' }).click();
    await expect(item.getByRole('button', { name: 'Show all' })).toHaveCount(0);
    expect((await item.locator('.value').textContent())!.length).toBe(1024 * 1024);
  });

  test('a record over the server’s forwarding maximum arrives cut, and says so', async ({ page }) => {
    await openLive(page);
    const marker = unique('huge');
    produceFromOutside(['--fill', String(1536 * 1024), marker]);
    const item = feedItem(page, marker);
    await expect(item).toHaveAttribute('data-cut', 'true');
    await expect(item.locator('.cut')).toContainText('Cut by the server: the record is 1.50 MiB');
    await expect(item.locator('.size')).toHaveText('1.50 MiB');
    await item.getByRole('button', { name: 'Show all' }).click();
    expect((await item.locator('.value').textContent())!.length).toBe(1024 * 1024);
    await expect(item.getByRole('button', { name: 'Re-produce' })).toBeDisabled();
  });
});

test.describe('where to start', () => {
  /** A topic of its own, with `count` numbered records on one partition (one key). */
  async function numberedTopic(page: Page, label: string, count: number) {
    const topic = uniqueTopic(label);
    await openLive(page);
    await createTopic(page, topic);
    const lines = Array.from({ length: count }, (_, i) => `${label} ${i}`).join('\n');
    await produceThroughApp(page, { topic, key: 'one', text: lines, lines: 'on' });
    return topic;
  }

  async function numbers(page: Page, label: string) {
    return (await numbersShown(page, label)).sort((a, b) => a - b);
  }

  test('newest shows the backlog; earliest everything; then "Caught up", then live', async ({ page }) => {
    const topic = await numberedTopic(page, 'start', 150);
    await openLive(page, topic);
    await expect(page.locator('.catch-up')).toHaveAttribute('data-caught-up', 'true');
    await expect.poll(() => numbers(page, 'start')).toEqual(Array.from({ length: 100 }, (_, i) => i + 50));

    await page.getByLabel('Start from').selectOption('earliest');
    await expect(page.locator('.catch-up')).toHaveAttribute('data-caught-up', 'true');
    await expect.poll(() => numbers(page, 'start')).toEqual(Array.from({ length: 150 }, (_, i) => i));

    produceFromOutside(['--key', 'one', 'start 150'], topic);
    await expect(feed(page).locator('.value', { hasText: 'start 150' })).toBeVisible();
  });

  test('an offset per partition starts there; a bad one is refused inline', async ({ page }) => {
    const topic = await numberedTopic(page, 'offset', 20);
    await openLive(page, topic);
    const partition = await feed(page).locator('.feed-item').first().getAttribute('data-partition');
    await page.getByLabel('Start from').selectOption('offset');
    await page.getByLabel('Offset').fill('abc');
    await page.getByRole('button', { name: 'Read from here' }).click();
    await expect(page.locator('.start-error')).toContainText('`abc` is not an offset');
    await page.getByLabel('Offset').fill(`${partition}:15`);
    await page.getByRole('button', { name: 'Read from here' }).click();
    await expect(page.locator('.catch-up')).toHaveAttribute('data-caught-up', 'true');
    await expect.poll(() => numbers(page, 'offset')).toEqual([15, 16, 17, 18, 19]);

    await page.getByLabel('Offset').fill('7:0');
    await page.getByRole('button', { name: 'Read from here' }).click();
    await expect(page.locator('.refused')).toContainText(`Topic ${topic} has no partition 7: it has 3 (0 to 2).`);
  });

  test('a timestamp starts at the first record at or after it', async ({ page }) => {
    const topic = await numberedTopic(page, 'time', 5);
    // Past the next whole second (the picker's resolution), then a second batch.
    await page.waitForTimeout(2100);
    const cut = new Date(Math.floor(Date.now() / 1000) * 1000);
    await produceThroughApp(page, { topic, key: 'one', text: 'late 0\nlate 1', lines: 'on' });
    await openLive(page, topic);
    await page.getByLabel('Start from').selectOption('timestamp');
    await page.getByRole('button', { name: 'Read from here' }).click();
    await expect(page.locator('.start-error')).toContainText('Enter a date and time');
    const local = new Date(cut.getTime() - cut.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    await page.getByLabel('Timestamp').fill(local);
    await page.getByRole('button', { name: 'Read from here' }).click();
    await expect(page.locator('.catch-up')).toHaveAttribute('data-caught-up', 'true');
    await expect(feed(page).locator('.value', { hasText: 'late 1' })).toBeVisible();
    await expect(feed(page).locator('.value', { hasText: /^time / })).toHaveCount(0);
    await expect(items(page)).toHaveCount(2);
  });
});

test.describe('what to see', () => {
  test('the filter matches substrings or a /regex/ as you type and counts what it hides', async ({ page }) => {
    await openLive(page);
    const marker = unique('fruit');
    // One key: one partition, so the feed's order is the order sent.
    produceFromOutside(['--key', marker, `${marker} apple`, `${marker} banana`, `${marker} cherry`]);
    await expect(feedItem(page, `${marker} cherry`)).toBeVisible();
    const filter = page.getByRole('searchbox', { name: 'Filter' });
    await filter.fill(`${marker} APPLE`);
    await expect(feed(page).locator('.value')).toHaveText([`${marker} apple`]);
    const hidden = Number(await page.locator('.counters .hidden').getAttribute('data-count'));
    expect(hidden).toBeGreaterThanOrEqual(2);
    await filter.fill(`/${marker} (banana|cherry)$/`);
    await expect(feed(page).locator('.value')).toHaveText([`${marker} cherry`, `${marker} banana`]);

    // An invalid regex is shown inline; the last good filter stays and the feed keeps flowing.
    const before = Number(await page.locator('.counters .received').getAttribute('data-count'));
    await filter.fill('/(unclosed/');
    await expect(page.locator('.filter-error')).toContainText('Invalid regex');
    produceFromOutside(['--key', marker, `${marker} banana again`]);
    await expect(page.locator('.counters .received')).toHaveAttribute('data-count', String(before + 1));
    await filter.fill('');
    await expect(feedItem(page, `${marker} banana again`)).toBeVisible();
    await expect(page.locator('.filter-error')).toHaveCount(0);
  });

  test('Pause holds new records and counts them; Resume shows them all', async ({ page }) => {
    await openLive(page);
    await page.getByRole('button', { name: 'Pause' }).click();
    const prefix = unique('held');
    produceFromOutside(Array.from({ length: 12 }, (_, i) => `${prefix} ${i}`));
    await expect(page.locator('.held')).toHaveText('Paused: 12 new');
    await expect(feed(page).locator('.value', { hasText: prefix })).toHaveCount(0);
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect(feed(page).locator('.value', { hasText: prefix })).toHaveCount(12);
    await expect(page.locator('.held')).toHaveCount(0);
  });

  test('each record produced here shows its round trip; the page shows p50 and p99', async ({ page }) => {
    await openLive(page);
    for (const n of [1, 2, 3]) {
      const text = unique(`timed ${n}`);
      await page.getByLabel('Enter Text:').fill(text);
      await page.getByRole('button', { name: 'Submit' }).click();
      await expect(feedItem(page, text).locator('.round-trip')).toHaveText(/^\d+\.\d ms round trip$/);
    }
    const summary = page.locator('.round-trips');
    await expect(summary).toHaveAttribute('data-count', '3');
    await expect(summary).toContainText(/Round trip p50 \d+\.\d ms, p99 \d+\.\d ms \(3 records\)/);
    console.log(`round trips: ${await summary.textContent()}`);
    // A record from outside has no round trip of this page's.
    const outside = unique('untimed');
    produceFromOutside([outside]);
    await expect(feedItem(page, outside)).toBeVisible();
    await expect(feedItem(page, outside).locator('.round-trip')).toHaveCount(0);
  });

  test('the sparkline shows records per second, beside the connection and the broker', async ({ page }) => {
    await openLive(page);
    await expect(page.locator('.broker')).toHaveAttribute('data-broker', 'reachable');
    const prefix = unique('spark');
    produceFromOutside(Array.from({ length: 30 }, (_, i) => `${prefix} ${i}`));
    const throughput = page.locator('.throughput');
    await expect.poll(async () => Number(await throughput.getAttribute('data-total')), { timeout: 10_000 }).toBeGreaterThanOrEqual(30);
    await expect(page.getByRole('img', { name: /Throughput over the last minute: \d+ records\/s now, peak \d+\/s/ })).toBeVisible();
    const points = (await page.locator('.sparkline polyline').getAttribute('points'))!.split(' ');
    expect(points).toHaveLength(60);
  });
});
