/**
 * The fuzz supervisor's batch runner (bench/fuzz/campaign.ts) pinpoints the input that crashed, killed
 * or hung a long-lived child, confirms it alone, and still runs every other input. The faults are
 * injected by the child's test-only hook (VERDE_FUZZ_TEST_FAULTS, bench/fuzz/child.ts) into real
 * children reading real CSV inputs through DuckDB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTarget } from '../../bench/fuzz/campaign.js';

for (const jobs of [1, 2]) {
  test(`batch runner (${jobs} child${jobs > 1 ? 'ren' : ''}): a crash, a death and a hang are each blamed on their input, confirmed alone; all other inputs run`, { timeout: 180_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), 'verde-fuzz-batch-'));
    process.env.VERDE_FUZZ_TEST_FAULTS = 'crash@3,death@11,hang@24';
    try {
      const { report, findings } = await runTarget({ target: 'csv', seed: 7, inputs: 30, hangMs: 1500, outDir: out, jobs });
      assert.deepEqual(findings.map((f) => [f.index, f.kind]), [[3, 'crash'], [11, 'death'], [24, 'hang']]);
      const [crash, death, hang] = findings as [typeof findings[number], typeof findings[number], typeof findings[number]];
      assert.match(crash.error, /^TypeError: injected crash at input 3$/);
      assert.ok((await stat(crash.inputFile!)).size === crash.inputBytes, 'the crashing input is saved');
      assert.match(death.error, /SIGABRT/);
      assert.equal(death.confirmed, true);
      assert.match(hang.error, /no progress for \d/);
      assert.equal(hang.confirmed, true);
      assert.deepEqual([report.inputs, report.crashes, report.deaths, report.hangs, report.truncated], [30, 1, 1, 1, false]);
      assert.ok(report.peakRssMb > 0);
    } finally {
      delete process.env.VERDE_FUZZ_TEST_FAULTS;
      await rm(out, { recursive: true, force: true });
    }
  });
}
