import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTransactions, generateTransactionDays } from '../../src/data/transactions/index.js';
import { runDataStage } from '../../src/data/stage/index.js';
import { readTabular } from '../../src/data/tabular/index.js';

test('data stage: filter count matches the rule, dedup removes the injected duplicates, split is time ordered', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-stage-'));
  try {
    const gen = await writeTransactions(join(dir, 'tx.csv'), { rows: 20_000, seed: 5 });
    // Expected filter counts (rows, and fraud rows among them), computed independently from the generated rows.
    let lowValuePos = 0;
    let lowValuePosFraud = 0;
    for (const day of generateTransactionDays({ rows: 20_000, seed: 5 })) {
      for (const t of day) if (t.amountCents < 500 && t.channel === 'pos') { lowValuePos++; lowValuePosFraud += t.fraud; }
    }
    const r = await runDataStage({ input: gen.path, outDir: join(dir, 'stage') });
    const [load, filter, exact, near, feats] = r.steps;
    assert.equal(load!.rowsAfter, 20_000);
    assert.equal(filter!.rowsBefore - filter!.rowsAfter, lowValuePos);
    // The rule drops exactly the fraud rows that match it (none on generated data: fraud is never a
    // small card-present purchase); the fraud rows the stage loses are lost to deduplication.
    assert.equal(filter!.fraudRowsBefore - filter!.fraudRowsAfter, lowValuePosFraud);
    const dedupFraud = exact!.fraudRowsBefore - exact!.fraudRowsAfter + near!.fraudRowsBefore - near!.fraudRowsAfter;
    assert.equal(load!.fraudRowsBefore - feats!.fraudRowsAfter, lowValuePosFraud + dedupFraud);
    assert.equal(load!.fraudRowsBefore, gen.stats.fraudRows);
    assert.ok(dedupFraud > 0, 'dedup consolidates some fraud rows (injected copies of fraud rows, card-testing bursts)');
    assert.ok(exact!.rowsAfter < exact!.rowsBefore && near!.rowsAfter < near!.rowsBefore);
    assert.equal(feats!.rowsAfter, near!.rowsAfter);
    assert.ok(r.storage.rawParquetBytes < r.storage.rawCsvBytes / 2);
    assert.equal(r.split.trainRows + r.split.validRows + r.split.testRows, feats!.rowsAfter);
    assert.ok(r.split.validFrom < r.split.testFrom);

    // Without the filter every injected exact duplicate is removed by the hash step, and the near step
    // removes at least the injected near copies (plus the odd genuine repeat purchase).
    const all = await runDataStage({ input: gen.path, outDir: join(dir, 'nofilter'), filter: false });
    assert.equal(all.steps[2]!.rowsBefore - all.steps[2]!.rowsAfter, gen.stats.exactDuplicates);
    const nearRemoved = all.steps[3]!.rowsBefore - all.steps[3]!.rowsAfter;
    assert.ok(nearRemoved >= gen.stats.nearDuplicates && nearRemoved <= gen.stats.nearDuplicates * 1.1 + 5, `${nearRemoved} vs ${gen.stats.nearDuplicates}`);

    // A rule that does hit fraud rows (high amounts) drops exactly the matching ones, counted independently.
    let high = 0;
    let highFraud = 0;
    for (const day of generateTransactionDays({ rows: 20_000, seed: 5 })) for (const t of day) if (t.amountCents > 50_000) { high++; highFraud += t.fraud; }
    const hot = await runDataStage({ input: gen.path, outDir: join(dir, 'high'), filter: 'amount > 500', dedup: false });
    assert.ok(highFraud > 0, 'the generator makes high-amount fraud');
    assert.equal(hot.steps[1]!.rowsBefore - hot.steps[1]!.rowsAfter, high);
    assert.equal(hot.steps[1]!.fraudRowsBefore - hot.steps[1]!.fraudRowsAfter, highFraud);

    // dedup: false (the minimisation baseline) keeps every row through every step, fraud rows too.
    const keepAll = await runDataStage({ input: gen.path, outDir: join(dir, 'keepall'), filter: false, dedup: false });
    for (const s of keepAll.steps) assert.equal(s.rowsAfter, 20_000, `${s.name} dropped rows`);
    assert.equal(keepAll.steps[3]!.fraudRowsAfter, keepAll.steps[0]!.fraudRowsBefore);
    // The kept exact duplicates tie on (ts, tx_id) but not on every feature: the split files must
    // still come out in the same order every time (the models trained on them depend on it).
    const again = await runDataStage({ input: gen.path, outDir: join(dir, 'keepall-again'), filter: false, dedup: false });
    const read = (file: string) => readTabular(file, { labelCol: keepAll.labelCol, exclude: keepAll.nonFeatureColumns });
    const [a, b] = [await read(keepAll.files.train), await read(again.files.train)];
    assert.deepEqual(b.labels, a.labels);
    a.columns.forEach((col, j) => assert.deepEqual(b.columns[j], col, `column ${a.features[j]!.name}`));

    // The split files read back as a training matrix and an identically encoded test matrix.
    const train = await readTabular(r.files.train, { labelCol: r.labelCol, exclude: r.nonFeatureColumns });
    const testSet = await readTabular(r.files.test, { labelCol: r.labelCol, schema: train.schema });
    assert.equal(train.labels.length, r.split.trainRows);
    assert.deepEqual(testSet.features, train.features);
    assert.ok(train.features.some((f) => f.name === 'tx_count_1h'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const HEADER = 'tx_id,ts,card_id,merchant_id,category,channel,amount,device_id,lat,lon,home_lat,home_lon,is_fraud\n';

test('data stage features never look at the future', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-leak-'));
  try {
    const past = [
      '1,2026-01-01 10:00:00,7,1,grocery,pos,20.00,,40.0,-3.0,40.0,-3.0,0',
      '2,2026-01-01 10:30:00,7,2,grocery,online,30.00,11,40.0,-3.0,40.0,-3.0,0',
      '3,2026-01-01 10:40:00,7,3,fashion,online,40.00,11,40.0,-3.0,40.0,-3.0,0',
      '4,2026-01-01 12:00:00,8,1,grocery,pos,25.00,,41.0,-3.0,41.0,-3.0,0',
    ];
    const future = [
      '5,2026-01-01 10:50:00,7,4,electronics,online,900.00,99,43.0,2.0,40.0,-3.0,1',
      '6,2026-01-01 11:00:00,7,5,electronics,online,950.00,99,43.0,2.0,40.0,-3.0,1',
    ];
    await writeFile(join(dir, 'a.csv'), HEADER + past.join('\n') + '\n');
    await writeFile(join(dir, 'b.csv'), HEADER + [...past, ...future].join('\n') + '\n');
    const a = await runDataStage({ input: join(dir, 'a.csv'), outDir: join(dir, 'sa'), filter: false, split: { train: 0.5, valid: 0.25 } });
    const b = await runDataStage({ input: join(dir, 'b.csv'), outDir: join(dir, 'sb'), filter: false, split: { train: 0.5, valid: 0.25 } });
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const rows = async (p: string) => (await con.runAndReadAll(`SELECT * EXCLUDE (ts) FROM read_parquet('${p}') WHERE tx_id <= 4 ORDER BY tx_id`)).getRowObjectsJson();
    const ra = await rows(a.files.features);
    const rb = await rows(b.files.features);
    con.closeSync();
    db.closeSync();
    assert.deepEqual(rb, ra, 'adding later transactions changed an earlier row\'s features');
    // Hand-checked values for card 7's third transaction (10:40): two earlier within the hour.
    const third = ra[2]!;
    assert.equal(Number(third.tx_count_1h), 2);
    assert.equal(Number(third.secs_since_last), 600);
    assert.equal(Number(third.amount_sum_24h), 50);
    assert.equal(Number(third.new_device), 0);
    assert.equal(Number(ra[1]!.new_device), 1);
    assert.equal(Number(ra[0]!.tx_count_1h), 0);
    assert.ok(Math.abs(Number(third.amount_zscore) - (40 - 25) / Math.sqrt(50)) < 1e-9);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('data stage: bad input names the file or the rule', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-stagebad-'));
  try {
    await assert.rejects(runDataStage({ input: join(dir, 'none.csv'), outDir: dir }), /none.csv: file not found/);
    await writeFile(join(dir, 'x.csv'), HEADER + '1,2026-01-01 10:00:00,7,1,grocery,pos,20.00,,40.0,-3.0,40.0,-3.0,0\n');
    await assert.rejects(runDataStage({ input: join(dir, 'x.csv'), outDir: join(dir, 's'), filter: 'no_such_column > 1' }), /filter rule/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
