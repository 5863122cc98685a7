import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test, expect } from '@playwright/test';
import { dataCount, feed, openLive, unique } from './helpers';

// Issue 5: endless live mode with bounded memory. Playwright's trace snapshots the whole DOM on
// every action; inside a page taking 5,000 records a second, that would be the load.
test.use({ trace: 'off' });

test('at 5,000 records/s the page keeps exactly the newest N, with N set in the page', async ({ page }) => {
  await openLive(page);
  await expect(page.getByLabel('Keep newest')).toHaveValue('1000');
  const bin = process.env.KAFKA_LIVE_PRODUCE_BIN!;
  const prefix = unique('flood');
  const producing = promisify(execFile)(bin, ['--rate', '5000', '--seconds', '4', prefix], { env: process.env });
  let most = 0;
  const sampling = (async () => {
    for (let i = 0; i < 8; i++) {
      await page.waitForTimeout(500);
      most = Math.max(most, await page.evaluate(() => document.querySelectorAll('.feed-item').length));
    }
  })();
  await producing;
  await sampling;
  // Every record is accounted for: shown or counted, or skipped by the server for this page and
  // told exactly (a page slower than the stream falls behind; see README, "Benchmarks").
  const count = (selector: string) => dataCount(page, selector);
  await expect.poll(async () => (await count('.counters .received')) + (await count('.missed')), { timeout: 60_000 }).toBeGreaterThanOrEqual(20_000);
  await expect(feed(page).locator('.feed-item')).toHaveCount(1000);
  expect(most).toBeLessThanOrEqual(1000);
  console.log(
    `5,000 records/s for 4 s: ${await count('.counters .received')} received, ${await count('.missed')} skipped and told, at most ${most} items on the page`,
  );

  await page.getByLabel('Keep newest').fill('50');
  await page.getByLabel('Keep newest').press('Enter');
  await page.getByLabel('Keep newest').blur();
  await expect(feed(page).locator('.feed-item')).toHaveCount(50);
});
