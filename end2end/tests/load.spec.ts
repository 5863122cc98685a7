import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test, expect } from '@playwright/test';
import { feed, openLive, unique } from './helpers';

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
  await expect(feed(page).locator('.value', { hasText: new RegExp(`^${prefix} 19999$`) })).toBeVisible({ timeout: 30_000 });
  await expect(feed(page).locator('.feed-item')).toHaveCount(1000);
  expect(most).toBeLessThanOrEqual(1000);
  const received = Number(await page.locator('.counters .received').getAttribute('data-count'));
  const missed = (await page.locator('.missed').count()) > 0 ? await page.locator('.missed').textContent() : null;
  console.log(`5,000 records/s for 4 s: ${received} received, at most ${most} items on the page${missed ? `; ${missed}` : ''}`);

  await page.getByLabel('Keep newest').fill('50');
  await page.getByLabel('Keep newest').press('Enter');
  await page.getByLabel('Keep newest').blur();
  await expect(feed(page).locator('.feed-item')).toHaveCount(50);
});
