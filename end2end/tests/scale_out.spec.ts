import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test, expect, type Page } from '@playwright/test';
import { dataCount, feed, numbersShown, uniqueTopic } from './helpers';

// Two kafka-live instances behind nginx, configured as the README's nginx section says: pages
// opened through the proxy see every record whichever instance serves them, and a page whose
// instance is killed mid-stream reconnects through nginx to the other and shows the exact
// sequence. Each instance reads every partition itself; Kafka is the shared part.

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  return fetch(url).then((response) => response.ok, () => false);
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} within 60 s`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A kafka-live instance of the test's own, as an operator runs one behind the proxy. */
async function instance(port: number, topic: string, publicOrigin: string): Promise<ChildProcess> {
  const bin = process.env.KAFKA_LIVE_BIN;
  const root = process.env.KAFKA_LIVE_ROOT;
  if (!bin || !root) throw new Error('KAFKA_LIVE_BIN and KAFKA_LIVE_ROOT are not set: run the suite through scripts/test');
  const child = spawn(bin, [], {
    cwd: root,
    env: {
      ...process.env,
      KAFKA_LIVE_CONFIG: `${root}/Leptos.toml`,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      KAFKA_TOPIC: topic,
      KAFKA_PARTITIONS: '1',
      KAFKA_LIVE_ALLOWED_HOSTS: '127.0.0.1',
      KAFKA_LIVE_ALLOWED_ORIGINS: publicOrigin,
      NO_COLOR: '1',
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await until(`the instance on ${port} is ready`, () => answers(`http://127.0.0.1:${port}/readyz`));
  return child;
}

/** nginx with the README's configuration (end2end/nginx/kafka-live.conf), on these ports. */
async function nginx(listen: number, upstreams: [number, number]): Promise<ChildProcess> {
  const root = process.env.KAFKA_LIVE_ROOT!;
  const dir = mkdtempSync(join(tmpdir(), 'kafka-live-nginx-'));
  for (const temp of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, temp));
  const site = readFileSync(join(root, 'end2end/nginx/kafka-live.conf'), 'utf8')
    .replace('127.0.0.1:3000', `127.0.0.1:${upstreams[0]}`)
    .replace('127.0.0.1:3001', `127.0.0.1:${upstreams[1]}`)
    .replace('listen 127.0.0.1:8080', `listen 127.0.0.1:${listen}`);
  writeFileSync(join(dir, 'kafka-live.conf'), site);
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      // As root, nginx's workers would otherwise switch to a user that cannot use these paths.
      process.getuid?.() === 0 ? 'user root;' : '',
      'daemon off;',
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 1024; }',
      'http {',
      '  access_log off;',
      ...['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t === 'body' ? 'client_body' : t}_temp_path ${dir}/${t};`),
      `  include ${dir}/kafka-live.conf;`,
      '}',
    ].join('\n'),
  );
  const child = spawn(process.env.KAFKA_LIVE_NGINX ?? '/usr/sbin/nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await until('nginx answers', () => answers(`http://127.0.0.1:${listen}/healthz`));
  return child;
}

/** Live WebSockets an instance serves now, from its own /metrics. */
async function socketsOn(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('kafka_live_sockets_open '));
  return Number(line!.split(' ')[1]);
}

/** 0..count-1, in the feed's order (newest first or last, whichever the page uses). */
function inOrder(numbers: number[], count: number): boolean {
  const up = Array.from({ length: count }, (_, i) => i);
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((n, i) => n === b[i]);
  return same(numbers, up) || same(numbers, [...up].reverse());
}

test('two instances behind nginx: every page sees every record, and a killed instance loses none', async ({ browser }) => {
  test.setTimeout(180_000);
  const produce = process.env.KAFKA_LIVE_PRODUCE_BIN;
  if (!produce) throw new Error('KAFKA_LIVE_PRODUCE_BIN is not set: run the suite through scripts/test');
  const topic = uniqueTopic('scale-out');
  const [proxyPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
  const publicUrl = `http://127.0.0.1:${proxyPort}`;
  const instances = new Map<number, ChildProcess>();
  let proxy: ChildProcess | undefined;
  const context = await browser.newContext();
  try {
    instances.set(portA, await instance(portA, topic, publicUrl));
    instances.set(portB, await instance(portB, topic, publicUrl));
    proxy = await nginx(proxyPort, [portA, portB]);

    // Pages through the proxy until both instances serve at least one.
    const pages: Page[] = [];
    while ((await socketsOn(portA)) === 0 || (await socketsOn(portB)) === 0) {
      expect(pages.length, 'nginx spreads pages over both instances').toBeLessThan(8);
      const page = await context.newPage();
      await page.goto(`${publicUrl}/`);
      await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
      pages.push(page);
      const total = pages.length;
      await until('the instances count every page', async () => (await socketsOn(portA)) + (await socketsOn(portB)) === total);
    }

    // Twenty records from outside: every page, whichever instance it is on, shows all twenty.
    const first = `spread ${Date.now().toString(36)}`;
    await promisify(execFile)(produce, ['--rate', '20', '--seconds', '1', first], {
      env: { ...process.env, KAFKA_TOPIC: topic },
    });
    for (const page of pages) {
      await expect(feed(page).locator('.value', { hasText: new RegExp(`^${first} 19$`) })).toBeVisible();
      const shown = await numbersShown(page, first);
      expect(inOrder(shown, 20), `${shown}`).toBe(true);
    }

    // One page left; the instance serving it is killed while records stream.
    const page = pages[0];
    for (const other of pages.slice(1)) await other.close();
    await until('one socket is left', async () => (await socketsOn(portA)) + (await socketsOn(portB)) === 1);
    const victim = (await socketsOn(portA)) === 1 ? portA : portB;
    const survivor = victim === portA ? portB : portA;
    const second = `failover ${Date.now().toString(36)}`;
    const before = await dataCount(page, '.counters .received');
    const producing = promisify(execFile)(produce, ['--rate', '20', '--seconds', '2', second], {
      env: { ...process.env, KAFKA_TOPIC: topic },
    });
    // Counted, not looked for: a record is in the list's DOM only while it is near the top.
    await expect.poll(() => dataCount(page, '.counters .received')).toBeGreaterThanOrEqual(before + 5);
    const killed = instances.get(victim)!;
    killed.kill('SIGKILL');
    await exited(killed);
    await producing;
    await expect(feed(page).locator('.value', { hasText: new RegExp(`^${second} 39$`) })).toBeVisible({ timeout: 30_000 });
    await expect(page.locator('.status')).toHaveAttribute('data-status', 'live');
    expect(await socketsOn(survivor)).toBe(1);
    const shown = await numbersShown(page, second);
    expect(inOrder(shown, 40), `${shown}`).toBe(true);
  } finally {
    await context.close();
    for (const child of [...instances.values(), ...(proxy ? [proxy] : [])]) {
      child.kill('SIGTERM');
      await exited(child);
    }
  }
});
