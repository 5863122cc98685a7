import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
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
export function produceFromOutside(args: string[], topic?: string): string[] {
  const bin = process.env.KAFKA_LIVE_PRODUCE_BIN;
  if (!bin) throw new Error('KAFKA_LIVE_PRODUCE_BIN is not set: run the suite through scripts/test');
  const env = topic ? { ...process.env, KAFKA_TOPIC: topic } : process.env;
  const out = execFileSync(bin, args, { env, encoding: 'utf8', timeout: 60_000 });
  return out.trim().split('\n');
}

/** Opens the page (on a topic of its own, if given) and waits until its feed socket is live. */
export async function openLive(page: Page, topic?: string): Promise<void> {
  await page.goto(topic ? `/?topic=${topic}` : '/');
  await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
  // The backlog is on screen.
  await expect(page.locator('.catch-up')).toHaveAttribute('data-caught-up', 'true');
}

export function feed(page: Page) {
  return page.getByRole('list', { name: 'Consumed events' });
}

export function feedItem(page: Page, text: string) {
  return feed(page).locator('.feed-item').filter({ has: page.locator('.value', { hasText: text }) });
}

/**
 * Clicks Submit for the text already in the box and returns the ms from the click to the
 * record's node in the feed, measured inside the page: neither Playwright's round trips nor its
 * polling interval are counted.
 */
export async function clickToFeedMs(page: Page, text: string): Promise<number> {
  return page.evaluate(async (expected) => {
    const list = document.querySelector('ol[aria-label="Consumed events"]')!;
    const seen = new Promise<number>((resolve) => {
      const observer = new MutationObserver(() => {
        if (list.textContent?.includes(expected)) {
          observer.disconnect();
          resolve(performance.now());
        }
      });
      observer.observe(list, { childList: true, subtree: true, characterData: true });
    });
    const start = performance.now();
    document.querySelector<HTMLButtonElement>('form.producer-form button[type=submit]')!.click();
    return (await seen) - start;
  }, text);
}

/** A counter's `data-count` (`.received`, `.missed`, …), 0 while it is not on the page. */
export async function dataCount(page: Page, selector: string): Promise<number> {
  return page.locator(selector).evaluateAll((found) => Number(found[0]?.getAttribute('data-count') ?? 0));
}

/** One record as "Export JSON Lines" writes it. */
export interface Exported {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number | null;
  key: unknown;
  value: unknown;
  headers: unknown[];
}

/**
 * What the feed shows, in its order (after the filter, at most the records kept, newest first),
 * read through "Export JSON Lines": the list itself holds only the rows in view.
 */
export async function shownRecords(page: Page): Promise<Exported[]> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export JSON Lines' }).click(),
  ]);
  const text = readFileSync(await download.path(), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Exported);
}

/** The text values shown that start with `prefix `, as the numbers after it, in the feed's order. */
export async function numbersShown(page: Page, prefix: string): Promise<number[]> {
  return (await shownRecords(page))
    .map((record) => record.value)
    .filter((value): value is string => typeof value === 'string' && value.startsWith(`${prefix} `))
    .map((value) => Number(value.slice(prefix.length + 1)));
}

/** A topic name no other test (or earlier run) uses. */
export function uniqueTopic(label: string): string {
  counter += 1;
  return `e2e-${label}-${Date.now().toString(36)}-${process.pid}-${counter}`;
}

/** Creates a topic through the app's own server function (3 partitions, as configured). */
export async function createTopic(page: Page, name: string): Promise<void> {
  const response = await page.request.post('/api/create_topic', { form: { name } });
  expect(response.ok(), await response.text()).toBeTruthy();
}

/** Produces through the page's server function, as the form does, with the fields given. */
export async function produceThroughApp(page: Page, fields: Record<string, string>): Promise<void> {
  const response = await page.request.post('/api/produce', { form: fields, headers: { Accept: 'application/json' } });
  expect(response.ok(), await response.text()).toBeTruthy();
}

/**
 * A TCP proxy in front of the server that the test can cut: every connection, at once. While
 * `down`, it takes no new connection either, so a page stays away until `up`.
 */
export async function cuttableProxy(target: URL) {
  const open = new Set<Socket>();
  let down = false;
  const server = createServer((inbound) => {
    if (down) {
      inbound.destroy();
      return;
    }
    const outbound = connect(Number(target.port), target.hostname);
    for (const socket of [inbound, outbound]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    cut: () => open.forEach((socket) => socket.destroy()),
    down: () => {
      down = true;
      open.forEach((socket) => socket.destroy());
    },
    up: () => {
      down = false;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
