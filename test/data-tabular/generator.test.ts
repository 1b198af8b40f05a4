import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTransactions, generateTransactionDays, CSV_HEADER, type Transaction } from '../../src/data/transactions/index.js';

test('generator: same seed gives the same bytes (CSV and Parquet), another seed differs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-gen-'));
  try {
    const a = await writeTransactions(join(dir, 'a.csv'), { rows: 10_000, seed: 7 });
    const b = await writeTransactions(join(dir, 'b.csv'), { rows: 10_000, seed: 7 });
    const c = await writeTransactions(join(dir, 'c.csv'), { rows: 10_000, seed: 8 });
    const [ba, bb, bc] = await Promise.all([a, b, c].map((r) => readFile(r.path)));
    assert.ok(ba!.equals(bb!));
    assert.ok(!ba!.equals(bc!));
    assert.equal(ba!.toString('utf8').split('\n').filter(Boolean).length, 10_001);
    assert.ok(ba!.toString('utf8').startsWith(CSV_HEADER));
    const pa = await writeTransactions(join(dir, 'a.parquet'), { rows: 10_000, seed: 7 });
    const pb = await writeTransactions(join(dir, 'b.parquet'), { rows: 10_000, seed: 7 });
    assert.ok((await readFile(pa.path)).equals(await readFile(pb.path)));
    assert.ok(pa.bytes < a.bytes / 2, `parquet ${pa.bytes} vs csv ${a.bytes}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('generator: about 0.5 % fraud from all three patterns, duplicates injected, time order', () => {
  const stats = {} as Parameters<typeof generateTransactionDays>[1] & object;
  const rows: Transaction[] = [];
  for (const day of generateTransactionDays({ rows: 50_000, seed: 3 }, stats)) rows.push(...day);
  assert.equal(rows.length, 50_000);
  assert.equal(stats.rows, 50_000);
  const fraud = rows.filter((t) => t.fraud === 1).length;
  assert.equal(fraud, stats.fraudRows);
  assert.ok(fraud / rows.length > 0.003 && fraud / rows.length < 0.008, `fraud rate ${fraud / rows.length}`);
  for (const k of ['cardTesting', 'accountTakeover', 'highAmount'] as const) assert.ok(stats.fraudRowsByPattern[k] > 0, k);
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i]!.ts >= rows[i - 1]!.ts, `row ${i} out of time order`);
  // Exact duplicates share a tx_id; ids are otherwise unique.
  const ids = new Map<number, number>();
  for (const t of rows) ids.set(t.txId, (ids.get(t.txId) ?? 0) + 1);
  const repeated = [...ids.values()].filter((c) => c > 1).length;
  assert.equal(repeated, stats.exactDuplicates);
  assert.ok(stats.nearDuplicates > 100);
  // Card testing: small online amounts among the fraud rows.
  assert.ok(rows.some((t) => t.fraud && t.amountCents < 300 && t.channel === 'online'));
});

test('generator: another institution drifts (other ids, higher amounts)', () => {
  const take = (institution: number) => {
    const rows: Transaction[] = [];
    for (const day of generateTransactionDays({ rows: 20_000, seed: 3, institution, drift: 0.8 })) rows.push(...day);
    return rows;
  };
  const home = take(0);
  const other = take(1);
  const median = (r: Transaction[]) => r.map((t) => t.amountCents).sort((a, b) => a - b)[r.length >> 1]!;
  assert.ok(median(other) > median(home) * 1.1, `${median(other)} vs ${median(home)}`);
  const homeCards = new Set(home.map((t) => t.card));
  assert.ok(other.every((t) => !homeCards.has(t.card)));
  assert.throws(() => generateTransactionDays({ rows: 0 }).next(), /rows must be a positive integer/);
});
