import { execFileSync } from 'node:child_process';
import { expect, type Page } from '@playwright/test';

let counter = 0;

/** Text no other test (or earlier run) produced. */
export function unique(label: string): string {
  counter += 1;
  return `${label} ${Date.now().toString(36)}-${process.pid}-${counter}`;
}

/**
 * Produces records from outside the app, as any other client of the cluster would, with the
 * project's own rdkafka helper. Returns `partition offset` per record.
 */
export function produceFromOutside(args: string[]): string[] {
  const bin = process.env.KAFKA_LIVE_PRODUCE_BIN;
  if (!bin) throw new Error('KAFKA_LIVE_PRODUCE_BIN is not set: run the suite through scripts/test');
  const out = execFileSync(bin, args, { env: process.env, encoding: 'utf8', timeout: 30_000 });
  return out.trim().split('\n');
}

/** Opens the page and waits until its feed socket is live. */
export async function openLive(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
}

export function feed(page: Page) {
  return page.getByRole('list', { name: 'Consumed events' });
}

export function feedItem(page: Page, text: string) {
  return feed(page).locator('.feed-item').filter({ has: page.locator('.value', { hasText: text }) });
}
