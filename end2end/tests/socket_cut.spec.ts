import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { test, expect, type Page } from '@playwright/test';
import { cuttableProxy, dataCount, feed, numbersShown } from './helpers';

/**
 * Starts 40 numbered records from outside, 20 a second, and returns once five have arrived on
 * the page, with the rest still coming. Counted, not looked for: a record is in the list's DOM
 * only while it is near the top.
 */
async function fortyUnderway(page: Page, bin: string, prefix: string): Promise<{ producing: Promise<unknown> }> {
  const before = await dataCount(page, '.counters .received');
  const producing = promisify(execFile)(bin, ['--rate', '20', '--seconds', '2', prefix], { env: process.env });
  await expect.poll(() => dataCount(page, '.counters .received')).toBeGreaterThanOrEqual(before + 5);
  return { producing };
}

test('a socket cut mid-stream reconnects and the page shows the exact sequence', async ({ page, baseURL }) => {
  const bin = process.env.KAFKA_LIVE_PRODUCE_BIN;
  if (!bin) throw new Error('KAFKA_LIVE_PRODUCE_BIN is not set: run the suite through scripts/test');
  const proxy = await cuttableProxy(new URL(baseURL!));
  let sockets = 0;
  page.on('websocket', () => (sockets += 1));
  try {
    await page.goto(proxy.url);
    const status = page.locator('.status');
    await expect(status).toHaveAttribute('data-status', 'live');

    // 40 numbered records from outside, 20 a second; the connection is cut under the page
    // after the fifth has arrived, with no close frame.
    const prefix = `cut ${Date.now().toString(36)}`;
    const { producing } = await fortyUnderway(page, bin, prefix);
    proxy.cut();
    await producing;

    await expect(feed(page).locator('.value', { hasText: new RegExp(`^${prefix} 39$`) })).toBeVisible({
      timeout: 30_000,
    });
    await expect(status).toHaveAttribute('data-status', 'live');
    const numbers = (await numbersShown(page, prefix)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(sockets, 'the page opened a new socket after the cut').toBeGreaterThanOrEqual(2);
  } finally {
    proxy.cut();
    await proxy.close();
  }
});

/** A kafka-live server of the test's own, on `port`, so the test can stop and restart it. */
async function ownServer(port: number): Promise<ChildProcess> {
  const bin = process.env.KAFKA_LIVE_BIN;
  const root = process.env.KAFKA_LIVE_ROOT;
  if (!bin || !root) throw new Error('KAFKA_LIVE_BIN and KAFKA_LIVE_ROOT are not set: run the suite through scripts/test');
  const child = spawn(bin, [], {
    cwd: root,
    env: { ...process.env, LEPTOS_SITE_ADDR: `127.0.0.1:${port}`, KAFKA_LIVE_CONFIG: `${root}/Leptos.toml`, NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
    if (up) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the test server did not start');
}

async function stopped(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

test('a server-side close mid-stream (the server restarting) and the page shows the exact sequence', async ({ page }) => {
  const bin = process.env.KAFKA_LIVE_PRODUCE_BIN!;
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  let server = await ownServer(port);
  const closes: number[] = [];
  page.on('websocket', (socket) => socket.on('close', () => closes.push(Date.now())));
  try {
    await page.goto(`http://127.0.0.1:${port}/`);
    const status = page.locator('.status');
    await expect(status).toHaveAttribute('data-status', 'live');
    const prefix = `restart ${Date.now().toString(36)}`;
    const { producing } = await fortyUnderway(page, bin, prefix);
    // SIGTERM: the server sends every socket a close frame, then exits; it comes back on the
    // same port, and the page reconnects with the offsets it last saw.
    server.kill('SIGTERM');
    expect(await stopped(server)).toBe(0);
    await expect(status).toHaveAttribute('data-status', 'reconnecting');
    server = await ownServer(port);
    await producing;
    await expect(feed(page).locator('.value', { hasText: new RegExp(`^${prefix} 39$`) })).toBeVisible({ timeout: 30_000 });
    await expect(status).toHaveAttribute('data-status', 'live');
    const numbers = (await numbersShown(page, prefix)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(closes.length, 'the server closed the first socket').toBeGreaterThanOrEqual(1);
  } finally {
    server.kill('SIGTERM');
    await stopped(server);
  }
});
