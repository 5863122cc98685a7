import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, type Page } from '@playwright/test';
import { createTopic, feed, openLive, uniqueTopic, unique } from './helpers';

// Schemas, exports and copied commands, on Apache Kafka, against a server started with the
// example schema directory (end2end/schemas). Confluent's own serializers write the records
// kafka-live decodes, and Confluent's own deserializers read what kafka-live encodes
// (end2end/schemas/confluent.py); Apache Kafka's own console producer runs the copied command.

const root = process.env.KAFKA_LIVE_ROOT ?? join(__dirname, '..', '..');
const script = join(root, 'end2end', 'schemas', 'confluent.py');

type Format = 'avro' | 'protobuf' | 'json';
const LINES: Record<Format, string> = {
  avro: 'schema orders-avro-value v1, id 1, Avro',
  protobuf: 'schema orders-proto-value v1, id 2, Protobuf, message shop.Order',
  json: 'schema orders-json-value v1, id 3, JSON Schema',
};
const CHOICES: Record<Format, string> = {
  avro: 'orders-avro-value v1 (id 1, Avro)',
  protobuf: 'orders-proto-value v1 (id 2, Protobuf)',
  json: 'orders-json-value v1 (id 3, JSON Schema)',
};

/** Confluent's side of it; returns what the script printed. */
function confluent(args: string[]): string {
  const python = process.env.KAFKA_LIVE_PYTHON;
  if (!python) throw new Error('KAFKA_LIVE_PYTHON is not set: run the suite through scripts/test');
  return execFileSync(python, [script, ...args], { encoding: 'utf8', timeout: 120_000 }).trim();
}

/** Where Kafka put a record the script wrote: [partition, offset]. */
function placed(printed: string): [string, string] {
  const [partition, offset] = printed.split(' ');
  return [partition, offset];
}

function item(page: Page, [partition, offset]: [string, string]) {
  return feed(page).locator(`.feed-item[data-partition="${partition}"][data-offset="${offset}"]`);
}

async function freshTopic(page: Page, label: string): Promise<string> {
  const topic = uniqueTopic(label);
  await createTopic(page, topic);
  await openLive(page, topic);
  return topic;
}

test('records written by Confluent serializers show as JSON with subject, version, id and format', async ({ page }) => {
  const topic = await freshTopic(page, 'decode');
  for (const format of ['avro', 'protobuf', 'json'] as Format[]) {
    const name = unique(`tea-${format}`);
    const at = placed(confluent(['write', '--format', format, '--topic', topic, '--json', JSON.stringify({ id: 7, item: name, qty: 2 })]));
    const record = item(page, at);
    await expect(record.locator('.schema')).toHaveText(LINES[format]);
    await expect(record.getByText(/^schema/)).toHaveCount(1);
    // Pretty JSON in the existing JSON view, fields in the schema's order; Protobuf's JSON
    // mapping writes an int64 as a string.
    const id = format === 'protobuf' ? '"7"' : '7';
    const note = format === 'avro' ? ',\n  "note": null' : '';
    await expect(record.locator('.value')).toHaveText(`{\n  "id": ${id},\n  "item": "${name}",\n  "qty": 2${note}\n}`);
    await expect(record.locator('.value')).toHaveClass(/json/);
  }
  await screenshot(page, 'KAFKA_LIVE_SCHEMAS_DECODED_SCREENSHOT');
});

test('a record that cannot be decoded still shows, as hex, with the reason', async ({ page }) => {
  const topic = await freshTopic(page, 'undecodable');
  const cases: [string, string][] = [
    // Wire format, an id the directory does not have.
    ['00000000' + '63' + 'ff01', 'not decoded: unknown schema id 99'],
    // Avro id 1, and a body cut off inside its first field.
    ['00' + '00000001' + 'ffff', 'not decoded: malformed Avro body for schema orders-avro-value (id 1): '],
    // A known id behind a magic byte of 1.
    ['01' + '00000001' + 'ff01', 'not decoded: looks like wire format but magic byte is 1 (expected 0)'],
    // JSON Schema id 3, JSON that does not fit it (and a 0xff, so the bytes are not text).
    ['00' + '00000003' + Buffer.from('{"id":"x","item":"t","qty":1}').toString('hex'), 'not decoded: does not match schema orders-json-value (id 3): at $.id: '],
  ];
  for (const [hex, reason] of cases) {
    const record = item(page, placed(confluent(['raw', '--topic', topic, '--hex', hex])));
    const note = record.getByRole('note').filter({ hasText: /^not decoded/ });
    await expect(note).toHaveCount(1);
    expect(await note.textContent()).toMatch(new RegExp('^' + reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    await expect(record.locator('.schema')).toHaveCount(0);
    if (hex.endsWith('ff01') || hex.endsWith('ffff')) {
      await expect(record.locator('.value')).toHaveText(`0x${hex}`);
    }
  }
  await screenshot(page, 'KAFKA_LIVE_SCHEMAS_FAILED_SCREENSHOT');
});

test('a plain Avro body on a topic the directory maps decodes with the mapped schema', async ({ page }) => {
  const topic = 'schemas.plain-avro';
  await page.request.post('/api/create_topic', { form: { name: topic } });
  await openLive(page, topic);
  const name = unique('plain');
  const text = Buffer.from(name);
  // {"id": 7, "item": name, "qty": 2, "note": null} in Avro's binary encoding, no header.
  const body = Buffer.concat([Buffer.from([0x0e]), zigzag(text.length), text, Buffer.from([0x04, 0x00])]);
  const record = item(page, placed(confluent(['raw', '--topic', topic, '--hex', body.toString('hex')])));
  await expect(record.locator('.schema')).toHaveText(LINES.avro);
  await expect(record.locator('.schema')).toHaveAttribute('title', /plain body/);
  await expect(record.locator('.value')).toContainText(`"item": "${name}"`);
});

test('the producer box encodes JSON with the chosen subject, and Confluent deserializers read it back', async ({ page }) => {
  const topic = await freshTopic(page, 'encode');
  for (const format of ['avro', 'protobuf', 'json'] as Format[]) {
    const name = unique(`coffee-${format}`);
    await page.getByLabel('Schema subject').selectOption({ label: CHOICES[format] });
    await page.getByLabel('Enter Text:').fill(JSON.stringify({ id: 9, item: name, qty: 3 }));
    await page.getByRole('button', { name: 'Submit' }).click();
    // Found by its own text: the receipt on screen may still be the previous Submit's.
    const made = feed(page).locator('.feed-item').filter({ has: page.locator('.value', { hasText: name }) });
    await expect(made).toHaveCount(1);
    const at: [string, string] = [(await made.getAttribute('data-partition'))!, (await made.getAttribute('data-offset'))!];
    await expect(item(page, at).locator('.schema')).toHaveText(LINES[format]);
    const read = JSON.parse(confluent(['read', '--format', format, '--topic', topic, '--partition', at[0], '--offset', at[1]]));
    const expected: Record<string, unknown> = { id: format === 'protobuf' ? '9' : 9, item: name, qty: 3 };
    if (format === 'avro') expected.note = null;
    expect(read).toEqual(expected);
  }
});

test('the key is encoded with a subject of its own, chosen beside it', async ({ page }) => {
  await freshTopic(page, 'key');
  const key = `{"id": 1, "item": "${unique('key')}", "qty": 1}`;
  await page.getByLabel('Key', { exact: true }).fill(key);
  await page.getByLabel('Encoded with').selectOption({ label: CHOICES.json });
  await page.getByLabel('Enter Text:').fill('a plain value');
  await page.getByRole('button', { name: 'Submit' }).click();
  const record = feed(page).locator('.feed-item').filter({ has: page.locator('.value', { hasText: 'a plain value' }) });
  await expect(record.locator('.schema')).toHaveText(`key ${LINES.json}`);
  await expect(record.locator('.key')).toHaveText(key);
  await expect(record.locator('.value')).toHaveText('a plain value');
});

test('JSON that does not fit the subject is refused inline with the field path, and nothing is produced', async ({ page }) => {
  await freshTopic(page, 'misfit');
  await page.getByLabel('Partition').selectOption('0');
  await page.getByLabel('Schema subject').selectOption({ label: CHOICES.avro });
  await page.getByLabel('Enter Text:').fill('{"id": 1, "item": "tea", "qty": "two"}');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page.getByRole('alert')).toHaveText(
    'The value does not fit schema orders-avro-value v1 (id 1, Avro) at $.qty: expected an int, found "two". Nothing was produced.',
  );
  // What was typed stays for another try.
  await expect(page.getByLabel('Enter Text:')).toHaveValue('{"id": 1, "item": "tea", "qty": "two"}');
  await page.getByLabel('Enter Text:').fill('{"id": 1, "item": "tea", "qty": 2}');
  await page.getByRole('button', { name: 'Submit' }).click();
  // The first record of partition 0: the refused one was never written.
  await expect(page.getByRole('status').filter({ hasText: /^Delivered/ })).toHaveAttribute('data-offset', '0');
  await expect(page.getByRole('status').filter({ hasText: /^Delivered/ })).toHaveAttribute('data-partition', '0');
});

test('re-producing a decoded record encodes it again with the same schema id', async ({ page }) => {
  const topic = await freshTopic(page, 'reproduce');
  const name = unique('again');
  const at = placed(confluent(['write', '--format', 'protobuf', '--topic', topic, '--json', JSON.stringify({ id: 5, item: name, qty: 1 })]));
  await item(page, at).getByRole('button', { name: 'Re-produce' }).click();
  await expect(page.getByLabel('Schema subject')).toHaveValue('2');
  await expect(page.getByLabel('Enter Text:')).toHaveValue(`{"id":"5","item":"${name}","qty":1}`);
  await page.getByRole('button', { name: 'Submit' }).click();
  const receipt = page.getByRole('status').filter({ hasText: /^Delivered/ });
  await expect(receipt).toBeVisible();
  const again: [string, string] = [(await receipt.getAttribute('data-partition'))!, (await receipt.getAttribute('data-offset'))!];
  await expect(item(page, again).locator('.schema')).toHaveText(LINES.protobuf);
  expect(JSON.parse(confluent(['read', '--format', 'protobuf', '--topic', topic, '--partition', again[0], '--offset', again[1]]))).toEqual({
    id: '5',
    item: name,
    qty: 1,
  });
});

test('the feed as shown downloads as JSON Lines and as CSV', async ({ page }) => {
  const topic = await freshTopic(page, 'export');
  const marker = unique('export');
  const decoded = placed(confluent(['write', '--format', 'avro', '--topic', topic, '--json', JSON.stringify({ id: 1, item: marker, qty: 1 })]));
  for (const text of [`${marker} a`, `${marker} b`, 'not shown']) {
    await page.getByLabel('Enter Text:').fill(text);
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(feed(page).locator('.value', { hasText: text })).toHaveCount(1);
  }
  // The filter hides one record of four; the export has the three shown, newest first.
  await page.getByLabel('Filter').fill(marker);
  await expect(page.locator('.shown')).toHaveAttribute('data-count', '3');

  const lines = (await download(page, 'Export JSON Lines')).trimEnd().split('\n').map((line) => JSON.parse(line));
  expect(lines.map((line) => line.value)).toEqual([`${marker} b`, `${marker} a`, { id: 1, item: marker, qty: 1, note: null }]);
  expect(lines[2]).toMatchObject({
    topic,
    partition: Number(decoded[0]),
    offset: Number(decoded[1]),
    key: null,
    headers: [],
    value_schema: { subject: 'orders-avro-value', version: 1, id: 1, format: 'avro' },
  });
  expect(typeof lines[2].timestamp).toBe('number');

  const rows = (await download(page, 'Export CSV')).trimEnd().split('\r\n');
  expect(rows[0]).toBe('topic,partition,offset,timestamp,key,value,headers');
  expect(rows.length).toBe(4);
  expect(rows[1]).toBe(`${topic},${lines[0].partition},${lines[0].offset},${lines[0].timestamp},,${marker} b,`);
  expect(rows[3]).toBe(
    `${topic},${decoded[0]},${decoded[1]},${lines[2].timestamp},,"{""id"":1,""item"":""${marker}"",""qty"":1,""note"":null}",`,
  );
});

test('the copied console-producer command, run with Apache Kafka own tool, produces the same record', async ({ page }) => {
  const topic = await freshTopic(page, 'copy');
  const value = unique("it's | hot; ~");
  await page.getByLabel('Key', { exact: true }).fill('order 42');
  await page.getByRole('button', { name: 'Add header' }).click();
  await page.getByLabel('Header name').fill('source');
  await page.getByLabel('Header value').fill('copied, command');
  await page.getByLabel('Enter Text:').fill(value);

  const form = page.locator('.form-actions');
  await form.getByRole('button', { name: 'Copy as console producer' }).click();
  const command = await form.locator('code.copied').textContent();
  expect(command).toContain(`--bootstrap-server ${process.env.KAFKA_BOOTSTRAP_SERVERS} --topic ${topic}`);
  runWithKafkaTools(command!);
  const made = feed(page).locator('.feed-item').filter({ has: page.locator('.value', { hasText: value }) });
  await expect(made).toHaveCount(1);
  await expect(made.locator('.key')).toHaveText('order 42');
  await expect(made.locator('.header-name')).toHaveText('source');
  await expect(made.locator('.header-value')).toHaveText('copied, command');

  // The record's own command sends it again: same key, so the same partition (Java's
  // partitioner, which the console producer uses, is kafka-live's too).
  await made.getByRole('button', { name: 'Copy as console producer' }).click();
  runWithKafkaTools((await made.locator('code.copied').textContent())!);
  await expect(feed(page).locator('.feed-item').filter({ has: page.locator('.value', { hasText: value }) })).toHaveCount(2);
  const partitions = await feed(page).locator('.feed-item').filter({ has: page.locator('.value', { hasText: value }) }).evaluateAll((items) => items.map((i) => i.getAttribute('data-partition')));
  expect(new Set(partitions).size).toBe(1);

  // kcat's, for the record and for the view, as exact text.
  await made.first().getByRole('button', { name: 'Copy as kcat' }).click();
  await expect(made.first().locator('code.copied[data-label="Copy as kcat"]')).toHaveText(
    `printf '%s\\n' '${value.replace(/'/g, "'\\''")}' | kcat -P -b ${process.env.KAFKA_BOOTSTRAP_SERVERS} -t ${topic} -p ${partitions[0]} -k 'order 42' -H 'source=copied, command'`,
  );
  await page.getByLabel('Start from').selectOption('earliest');
  const actions = page.locator('.feed-actions');
  await actions.getByRole('button', { name: 'Copy as kcat' }).click();
  await expect(actions.locator('code.copied')).toHaveText(
    `kcat -C -b ${process.env.KAFKA_BOOTSTRAP_SERVERS} -t ${topic} -o beginning -f '%p:%o %T %h %k: %s\\n'`,
  );
});

/** The feed, for the README and the closing note, when scripts/test asks for it. */
async function screenshot(page: Page, variable: string): Promise<void> {
  const path = process.env[variable];
  if (path) await feed(page).screenshot({ path });
}

async function download(page: Page, button: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  return readFileSync((await file.path())!, 'utf8');
}

/** Runs a copied command with `kafka-console-producer.sh` on the PATH: Apache Kafka's own. */
function runWithKafkaTools(command: string): void {
  const classpath = process.env.KAFKA_TOOLS_CLASSPATH;
  if (!classpath) throw new Error('KAFKA_TOOLS_CLASSPATH is not set: run the suite through scripts/test');
  const bin = mkdtempSync(join(tmpdir(), 'kafka-tools-'));
  writeFileSync(
    join(bin, 'kafka-console-producer.sh'),
    `#!/bin/sh\nexec java -cp "${classpath}" org.apache.kafka.tools.ConsoleProducer "$@"\n`,
    { mode: 0o755 },
  );
  execFileSync('bash', ['-c', command], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, timeout: 60_000, stdio: 'inherit' });
}

function zigzag(n: number): Buffer {
  let raw = n * 2;
  const out: number[] = [];
  while (raw >= 0x80) {
    out.push((raw & 0x7f) | 0x80);
    raw >>>= 7;
  }
  out.push(raw);
  return Buffer.from(out);
}
