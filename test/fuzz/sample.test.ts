/**
 * CI's slice of the fuzz campaign (bench/fuzz): a seeded sample of a few thousand mutated inputs
 * across every parser target and HTTP bodies through a real `verde serve`, failing on any crash,
 * hang or process death that is not in bench/fuzz/allowlist.ts (crash classes owned by branches
 * not yet merged; the lead empties it after merging them). The full campaign is
 * `node dist/bench/fuzz/main.js` (100,000 inputs per target).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCampaign } from '../../bench/fuzz/main.js';

// Inputs per target: fast in-process parsers get many, the DuckDB-backed readers (one shared
// database per fuzz child, a few ms a read) and model opening (an ONNX Runtime session per input)
// fewer, to stay well under a minute.
const SAMPLE: Record<string, number> = {
  safetensors: 2500,
  'config.json': 150,
  'vocab.txt': 150,
  'tokenizer_config.json': 100,
  'tokenizer.json': 100,
  'verde.json': 100,
  'verde.json-tabular': 100,
  csv: 100,
  tsv: 100,
  jsonl: 100,
  parquet: 100,
  http: 200,
};

test(`fuzz sample: ${Object.values(SAMPLE).reduce((a, b) => a + b, 0)} seeded inputs, no crash, hang or death outside the allowlist`, async () => {
  const out = await mkdtemp(join(tmpdir(), 'verde-fuzz-ci-'));
  process.env.VERDE_QUIET = '1';
  try {
    const seed = 20261203;
    const unexpected = [];
    const summary: string[] = [];
    for (const [target, inputs] of Object.entries(SAMPLE)) {
      const r = await runCampaign({ inputs, seed, targets: [target], hangMs: 5000, outDir: join(out, target.replace(/\W/g, '_')) });
      const t = r.targets[0]!;
      assert.equal(t.inputs, inputs, `${target}: every input ran`);
      summary.push(`${target} ${t.inputs} in ${t.seconds.toFixed(1)} s (known ${t.crashes - r.unexpected.filter((f) => f.kind === 'crash').length})`);
      unexpected.push(...r.unexpected);
    }
    process.stderr.write(`# ${summary.join('; ')}\n`);
    assert.deepEqual(unexpected.map((f) => `${f.target}#${f.index} ${f.kind}: ${f.error} @ ${f.where}`), []);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
