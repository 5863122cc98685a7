import { test, expect } from '@playwright/test';
import { cuttableProxy, feedItem, openLive, produceFromOutside, produceThroughApp, shownRecords, unique } from './helpers';

test('a page that comes back gets every record of a partition it never saw a record on', async ({ page, baseURL }) => {
  // The finding: a page saw a record on partition 0 of 3 and went away; 300 records went to
  // partition 1; back, it showed 100 of them and said nothing of the other 200.
  const proxy = await cuttableProxy(new URL(baseURL!));
  try {
    await page.goto(proxy.url);
    await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
    await expect(page.locator('.catch-up')).toHaveAttribute('data-caught-up', 'true');
    const seen = unique('seen on partition 0');
    await produceThroughApp(page, { text: seen, partition: '0' });
    await expect(feedItem(page, seen)).toBeVisible();

    proxy.down();
    await expect(page.locator('.status')).toHaveAttribute('data-status', 'reconnecting');
    const away = unique('while away');
    await produceThroughApp(page, { text: away, partition: '1', repeat: '300' });
    const last = unique('last');
    await produceThroughApp(page, { text: last, partition: '1' });
    proxy.up();

    await expect(feedItem(page, last)).toBeVisible({ timeout: 30_000 });
    const shown = await shownRecords(page);
    expect(shown.filter((r) => r.partition === 1 && r.value === away)).toHaveLength(300);
    expect(shown.filter((r) => r.value === seen)).toHaveLength(1);
    await expect(page.locator('.missed')).toHaveCount(0);
  } finally {
    proxy.cut();
    await proxy.close();
  }
});

test('a topic the server refuses says why, with nothing offered', async ({ page }) => {
  await page.goto('/?topic=__consumer_offsets');
  await expect(page.locator('.refused')).toContainText(
    'Topic __consumer_offsets is internal to Kafka: kafka-live neither shows nor writes it',
  );
  await expect(page.locator('.status')).toHaveAttribute('data-status', 'refused');
  await expect(page.locator('.unknown-topic')).toHaveCount(0);
});

test('a header name that is not UTF-8 shows as its bytes, and the feed flows on', async ({ page }) => {
  await openLive(page);
  const text = unique('raw header name');
  produceFromOutside(['--raw-header', 'fffe=v', text]);
  const name = feedItem(page, text).locator('.header-name');
  await expect(name).toHaveText('0xfffe');
  await expect(name).toHaveAttribute('data-binary', 'true');
  const after = unique('after it');
  produceFromOutside([after]);
  await expect(feedItem(page, after)).toBeVisible();
});
