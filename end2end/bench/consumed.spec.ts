// Benchmark 8: Submit to "consumed by the group", as the page's second round-trip row measures
// it: from the click to the first look at the console consumer's group that shows a commit past
// the record. One Submit at a time, each waited for, so the figure is the journey, not a queue.
//
// What bounds it: the console consumer commits every 200 ms (auto.commit.interval.ms) and the
// server looks at the group once a second, so about 0.2 + 1 s at worst on top of the consume.
//
// scripts/bench runs it (project `bench`) against a release server and a release console
// consumer in the group KAFKA_CONSUMER_GROUP; BENCH_CONSUMED_RECORDS scales it.

import { appendFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { feedItem } from '../tests/helpers';

const RECORDS = Number(process.env.BENCH_CONSUMED_RECORDS ?? 30);

test('Submit to consumed by the console consumer\'s group', async ({ page }) => {
  test.setTimeout(300_000);
  const group = process.env.KAFKA_CONSUMER_GROUP!;
  await page.goto(`/?group=${group}`);
  await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
  // The consumer has joined: the group holds the topic's partitions.
  await expect(page.locator('.group-state')).toHaveAttribute('data-state', 'stable', { timeout: 90_000 });
  const box = page.getByLabel('Enter Text:');
  for (let i = 0; i < RECORDS; i++) {
    const text = `consumed bench ${group} ${i}`;
    await box.fill(text);
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(feedItem(page, text).locator('.consumed')).toBeVisible({ timeout: 30_000 });
  }
  const trips = page.locator('.consumed-trips');
  await expect(trips).toHaveAttribute('data-count', String(RECORDS));
  const p50 = Number(await trips.getAttribute('data-p50'));
  const p99 = Number(await trips.getAttribute('data-p99'));
  const line = `consumed (${process.env.KAFKA_LIVE_BENCH_BROKER}): Submit to consumed by the group p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms over ${RECORDS} Submits (no target)`;
  console.log(line);
  const out = process.env.KAFKA_LIVE_BENCH_OUT;
  if (out) appendFileSync(out, `${line}\n`);
});
