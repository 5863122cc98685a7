import { mkdirSync, writeFileSync } from 'node:fs';
import { test, expect } from '@playwright/test';
import { clickToFeedMs, dataCount, feed, feedItem, openLive, produceFromOutside, unique } from './helpers';

test.describe('the producer box and the live feed', () => {
  test('the page is the Producer, with the box, the button and the feed beside them', async ({ page }) => {
    await openLive(page);
    await expect(page).toHaveTitle('Producer');
    await expect(page.getByRole('heading', { name: 'Producer' })).toBeVisible();
    await expect(page.getByLabel('Enter Text:')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Submit' })).toBeVisible();
    await expect(feed(page)).toBeAttached();
  });

  test('text typed and submitted appears in the feed, and the box clears', async ({ page }, testInfo) => {
    await openLive(page);
    const text = unique('typed');
    await page.getByLabel('Enter Text:').fill(text);

    // From the click to the record's node in the feed, measured inside the page.
    const latencyMs = Math.round(await clickToFeedMs(page, text));
    await expect(feedItem(page, text)).toBeVisible();

    await expect(page.getByRole('status').filter({ hasText: 'Delivered to' })).toBeVisible();
    await expect(page.getByLabel('Enter Text:')).toHaveValue('');
    const item = feedItem(page, text);
    await expect(item.locator('.partition')).toHaveText(/^\d+$/);
    await expect(item.locator('.offset')).toHaveText(/^\d+$/);
    await expect(item.locator('.timestamp')).toContainText('UTC');

    // The figure the closing note reports: Submit click to the record on screen.
    console.log(`click-to-feed latency: ${latencyMs} ms`);
    testInfo.annotations.push({ type: 'click-to-feed-ms', description: String(latencyMs) });
    const outDir = process.env.KAFKA_LIVE_RESULTS ?? 'test-results';
    mkdirSync(outDir, { recursive: true });
    writeFileSync(`${outDir}/click-to-feed-ms.txt`, `${latencyMs}\n`, { flag: 'a' });
  });

  test('the receipt matches the record in the feed', async ({ page }) => {
    await openLive(page);
    const text = unique('receipt');
    await page.getByLabel('Enter Text:').fill(text);
    await page.getByRole('button', { name: 'Submit' }).click();
    const receipt = page.locator('.receipt');
    await expect(receipt).toBeVisible();
    const partition = await receipt.getAttribute('data-partition');
    const offset = await receipt.getAttribute('data-offset');
    const item = feedItem(page, text);
    await expect(item).toHaveAttribute('data-partition', partition!);
    await expect(item).toHaveAttribute('data-offset', offset!);
  });

  test('Enter in the box submits', async ({ page }) => {
    await openLive(page);
    const text = unique('enter');
    await page.getByLabel('Enter Text:').fill(text);
    await page.getByLabel('Enter Text:').press('Enter');
    await expect(feedItem(page, text)).toBeVisible();
  });

  test('empty or blank text shows an alert and produces nothing', async ({ page }) => {
    await openLive(page);
    const before = await dataCount(page, '.counters .shown');
    await page.getByLabel('Enter Text:').fill('   ');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.getByRole('alert')).toContainText('Enter some text');
    await expect(page.getByLabel('Enter Text:')).toHaveValue('   ');
    // Nothing was produced: the next record to arrive is one sent after it.
    const after = unique('after the blank one');
    await page.getByLabel('Enter Text:').fill(after);
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(feedItem(page, after)).toBeVisible();
    await expect(page.locator('.counters .shown')).toHaveAttribute('data-count', String(before + 1));
  });

  test('a refused message shows the reason and keeps the typed text', async ({ page }) => {
    await openLive(page);
    const tooLarge = 'x'.repeat(1024 * 1024 + 1);
    await page.getByLabel('Enter Text:').fill(tooLarge);
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.getByRole('alert')).toContainText('1048577 bytes');
    await expect(page.getByLabel('Enter Text:')).toHaveValue(tooLarge);
  });

  test('a record from an outside client appears with its key', async ({ page }) => {
    await openLive(page);
    const text = unique('outside');
    produceFromOutside(['--key', 'order-42', text]);
    const item = feedItem(page, text);
    await expect(item).toBeVisible();
    await expect(item.locator('.key')).toHaveText('order-42');
  });

  test('a value that is not UTF-8 shows as hex without breaking the feed', async ({ page }) => {
    await openLive(page);
    const marker = Buffer.from(unique('bin')).toString('hex');
    produceFromOutside(['--hex', `fffe00${marker}`]);
    await expect(feedItem(page, `0xfffe00${marker}`)).toBeVisible();
    const after = unique('after-binary');
    produceFromOutside([after]);
    await expect(feedItem(page, after)).toBeVisible();
  });

  test('two open pages both receive a record', async ({ browser }) => {
    const first = await browser.newPage();
    const second = await browser.newPage();
    await openLive(first);
    await openLive(second);
    const text = unique('both');
    await first.getByLabel('Enter Text:').fill(text);
    await first.getByRole('button', { name: 'Submit' }).click();
    await expect(feedItem(first, text)).toBeVisible();
    await expect(feedItem(second, text)).toBeVisible();
    await first.close();
    await second.close();
  });

  test('HTML in a record shows as text and never runs', async ({ page }) => {
    await openLive(page);
    const marker = unique('html');
    const text = `<img src=x onerror="window.__pwned=1"><b>bold</b> ${marker}`;
    produceFromOutside([text]);
    const item = feedItem(page, marker);
    await expect(item.locator('.value')).toHaveText(text);
    await expect(item.locator('b, img')).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  test('a newly opened page starts with the most recent records, newest on top', async ({ page }) => {
    const older = unique('older');
    const newer = unique('newer');
    produceFromOutside([older]);
    produceFromOutside([newer]);
    await openLive(page);
    await expect(feedItem(page, newer)).toBeVisible();
    await expect(feedItem(page, older)).toBeVisible();
    const values = await feed(page).locator('.feed-item .value').allTextContents();
    expect(values.indexOf(newer)).toBeLessThan(values.indexOf(older));
  });

  test('submitting works before the WASM has loaded', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/');
    const text = unique('no-js');
    await page.getByLabel('Enter Text:').fill(text);
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.locator('.receipt')).toContainText('Delivered to');
    await context.close();

    // The record really is in Kafka: a page with JavaScript sees it.
    const live = await browser.newPage();
    await openLive(live);
    await expect(feedItem(live, text)).toBeVisible();
    await live.close();
  });

  test('a blank submit before the WASM has loaded shows the alert too', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/');
    await page.getByLabel('Enter Text:').fill(' ');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.getByRole('alert')).toContainText('Enter some text');
    await context.close();
  });

  test('screenshot for the README', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 860 });
    await openLive(page);
    produceFromOutside(['--key', 'table-7', '--header', 'source=pos-3', '{"order": 1042, "item": "margherita", "qty": 2}']);
    await page.getByLabel('Key').fill('table-9');
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByLabel('Header name').fill('trace-id');
    await page.getByLabel('Header value').fill('4bf92f35');
    const text = unique('Hello from kafka-live');
    await page.getByLabel('Enter Text:').fill(text);
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(feedItem(page, text).locator('.round-trip')).toBeVisible();
    await page.waitForTimeout(1500); // a second of the sparkline
    const out = process.env.KAFKA_LIVE_SCREENSHOT;
    if (out) await page.screenshot({ path: out });
  });
});
