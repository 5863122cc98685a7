import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test, expect } from '@playwright/test';
import { dataCount, feed, numbersShown, openLive, produceFromOutside, shownRecords, unique } from './helpers';

// Issue 5: endless live mode with bounded memory. Playwright's trace snapshots the whole DOM on
// every action; inside a page taking 5,000 records a second, that would be the load.
test.use({ trace: 'off' });

test('at 5,000 records/s the page keeps exactly the newest N, with N set in the page', async ({ page }) => {
  await openLive(page);
  await expect(page.getByLabel('Keep newest')).toHaveValue('1000');
  const bin = process.env.KAFKA_LIVE_PRODUCE_BIN!;
  const prefix = unique('flood');
  const count = (selector: string) => dataCount(page, selector);
  const accountedBefore = (await count('.counters .received')) + (await count('.missed'));
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
  await expect
    .poll(async () => (await count('.counters .received')) + (await count('.missed')), { timeout: 60_000 })
    .toBe(accountedBefore + 20_000);
  await expect(page.locator('.counters .shown')).toHaveAttribute('data-count', '1000');
  // Every record has arrived; the last ones may still wait for a frame to be drawn (a page
  // that fell behind draws in slices): the feed as shown, once two exports agree.
  let kept = await shownRecords(page);
  await expect
    .poll(async () => {
      const again = await shownRecords(page);
      const settled = JSON.stringify(again) === JSON.stringify(kept);
      kept = again;
      return settled;
    })
    .toBe(true);
  expect(new Set(kept.map((r) => `${r.partition}:${r.offset}`)).size).toBe(1000);
  console.log(
    `5,000 records/s for 4 s: ${await count('.counters .received')} received, ${await count('.missed')} skipped and told, at most ${most} rows in the DOM`,
  );

  await page.getByLabel('Keep newest').fill('50');
  await page.getByLabel('Keep newest').press('Enter');
  await page.getByLabel('Keep newest').blur();
  await expect(page.locator('.counters .shown')).toHaveAttribute('data-count', '50');
  const newest = await shownRecords(page);
  expect(newest.map((r) => r.value)).toEqual(kept.slice(0, 50).map((r) => r.value));
});

// Issue 17: a windowed list. 800 px is the margin drawn beyond each edge (src/app/feed_rows.rs).
test('with a thousand kept only the rows in view and a margin are in the DOM, scrolled anywhere, and a focused row stays', async ({ page }) => {
  const MARGIN = 800;
  await openLive(page);
  const bin = process.env.KAFKA_LIVE_PRODUCE_BIN!;
  const prefix = unique('window');
  await promisify(execFile)(bin, ['--rate', '1000', '--seconds', '1', prefix], { env: process.env });
  await expect.poll(async () => (await numbersShown(page, prefix)).length, { timeout: 30_000 }).toBe(1000);
  const shown = (await shownRecords(page)).map((r) => r.value as string);
  const row = (value: string) =>
    feed(page).locator('.feed-item').filter({ has: page.locator('.value').getByText(value, { exact: true }) });

  /** The values of the rows in the DOM, in order, after checking each one lies within the margin. */
  const drawn = () =>
    page.evaluate((margin) => {
      const list = document.querySelector('ol[aria-label="Consumed events"]')!;
      const view = list.getBoundingClientRect();
      return [...list.querySelectorAll<HTMLElement>('.feed-item')].map((row) => {
        const box = row.getBoundingClientRect();
        const inside = box.bottom > view.top - margin && box.top < view.bottom + margin;
        return inside ? row.querySelector('.value')!.textContent! : `outside the margin: ${row.textContent}`;
      });
    }, MARGIN);

  // At the top: the newest rows, in order, and nothing beyond the margin.
  let rows = await drawn();
  expect(rows).toEqual(shown.slice(0, rows.length));
  expect(rows.length).toBeLessThan(100);

  // Scrolled to the end: the oldest rows, in order.
  await feed(page).evaluate((list) => list.scrollTo(0, list.scrollHeight));
  await expect(row(shown[999])).toBeVisible();
  await expect.poll(async () => (await drawn()).at(-1)).toBe(shown[999]);
  rows = await drawn();
  expect(rows).toEqual(shown.slice(1000 - rows.length));

  // Back at the top, focus on the newest row's Re-produce; 200 newer records push that row far
  // below the view, and it keeps the focus.
  await feed(page).evaluate((list) => list.scrollTo(0, 0));
  const reproduce = row(shown[0]).getByRole('button', { name: 'Re-produce' });
  await reproduce.focus();
  // Counted, not exported: the export is a button, and pressing it would take the focus.
  const received = await dataCount(page, '.counters .received');
  const newer = unique('newer');
  await promisify(execFile)(bin, ['--rate', '200', '--seconds', '1', newer], { env: process.env });
  await expect(page.locator('.counters .received')).toHaveAttribute('data-count', String(received + 200));
  await expect.poll(async () => (await drawn())[0].startsWith(`${newer} `)).toBe(true);
  await expect(reproduce).toBeFocused();
});

test('a row scrolled out of the DOM and back comes back with its toggles as they were', async ({ page }) => {
  await openLive(page);
  const marker = unique('toggled');
  produceFromOutside([`{"marker":"${marker}"}`]);
  const row = feed(page).locator('.feed-item').filter({ hasText: marker });
  await row.getByRole('button', { name: 'Raw' }).click();
  await expect(row.getByRole('button', { name: 'Pretty' })).toBeVisible();
  // The click left the focus in the row, which would keep it drawn: move it to the text box.
  await page.getByLabel('Enter Text:').focus();

  // 200 newer records push it far below the view, out of the DOM.
  const received = await dataCount(page, '.counters .received');
  await promisify(execFile)(process.env.KAFKA_LIVE_PRODUCE_BIN!, ['--rate', '200', '--seconds', '1', unique('above')], {
    env: process.env,
  });
  await expect(page.locator('.counters .received')).toHaveAttribute('data-count', String(received + 200));
  await expect(row).toHaveCount(0);

  // Scrolled down to it, half a screen every two frames: it is built again, still raw.
  const reached = await feed(page).evaluate(async (list, text) => {
    const drawn = () => [...list.querySelectorAll('.feed-item')].some((r) => r.textContent!.includes(text));
    for (let step = 0; step < 400 && !drawn(); step++) {
      list.scrollBy(0, list.clientHeight / 2);
      await new Promise((frame) => requestAnimationFrame(() => requestAnimationFrame(frame)));
    }
    return drawn();
  }, marker);
  expect(reached).toBe(true);
  await expect(row.getByRole('button', { name: 'Pretty' })).toBeVisible();
  await expect(row.locator('.value')).toHaveText(`{"marker":"${marker}"}`);
});
