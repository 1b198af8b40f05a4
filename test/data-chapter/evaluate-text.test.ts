import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPlan, runMinimise } from '../../src/data/minimise/index.js';
import { openDuck, queryObjects } from '../../src/data/profile/index.js';
import { seededRandom } from '../../src/util/random.js';

/**
 * A small two-class text set: each text mixes class words (alpha* or beta*) with shared words, so
 * the class is learnable but not from one word. After the originals come planted near duplicates:
 * case and punctuation changed, or one word replaced (Jaccard of 3-word shingles about 0.85).
 */
function corpus(nBase: number, nDup: number, seed: number): { rows: { text: string; label: string }[]; nBase: number } {
  const rng = seededRandom(seed);
  const word = (cls: string) => (rng.next() < 0.35 ? `${cls}${rng.int(60)}` : `w${rng.int(300)}`);
  const rows = Array.from({ length: nBase }, (_, i) => {
    const label = i % 2 ? 'beta' : 'alpha';
    return { text: Array.from({ length: 40 }, () => word(label)).join(' '), label };
  });
  for (let d = 0; d < nDup; d++) {
    const src = rows[rng.int(nBase)]!;
    const words = src.text.split(' ');
    if (d % 2) words[5 + rng.int(30)] = `edit${d}`;
    const text = d % 2 ? words.join(' ') : words.map((w, k) => (k % 7 === 0 ? w.toUpperCase() + ',' : w)).join(' ') + '!';
    rows.push({ text, label: src.label });
  }
  return { rows, nBase };
}

test('minimise --evaluate on text: the linear text model before -> after MinHash near dedup, same test rows, accuracy kept; a harmful step is flagged', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-evaluate-text-'));
  try {
    const { rows, nBase } = corpus(300, 120, 7);
    const file = join(dir, 'texts.jsonl');
    await writeFile(file, rows.map((r, i) => JSON.stringify({ id: i, text: r.text, label: r.label })).join('\n') + '\n');
    // Step 2 removes every training text of one class: the model can no longer tell them apart.
    const plan = checkPlan({ labelCol: 'label', steps: [{ step: 'textDedup', column: 'text', threshold: 0.8 }, { step: 'filter', where: "label = 'beta' AND id % 10 <> 0" }] }, 'test plan');
    assert.equal(plan.textCol, 'text', 'a textDedup step makes the data text');
    const r = await runMinimise({ input: file, outDir: join(dir, 'out'), plan, evaluate: true, qualityBudget: 0.02, textModel: { epochs: 3 } });
    const e = r.evaluate!;
    assert.equal(e.metric, 'accuracy');
    assert.match(e.model, /linear text model/);
    assert.equal(r.steps[0]!.rows.before + e.testRows, rows.length, 'test rows are held out before the first step');
    assert.equal(e.original.trainRows, r.steps[0]!.rows.before);

    // MinHash removed planted duplicates only (their input rows come after the originals), and most of them.
    const dedup = r.steps[0]!;
    const removed = dedup.rows.before - dedup.rows.after;
    const { con, close } = await openDuck(':memory:');
    try {
      const ids = (await queryObjects(con, `SELECT id FROM read_parquet('${join(dir, 'out', dedup.removedSample!)}')`)).map((o) => Number(o.id));
      assert.equal(ids.length, removed);
      assert.ok(ids.every((id) => id >= nBase), `only planted near duplicates removed (${ids.filter((id) => id < nBase).length} originals)`);
    } finally {
      close();
    }
    // About 0.8 x 0.8 of the pairs have both texts in the training rows.
    assert.ok(removed >= 0.5 * 120, `near duplicates removed from the training rows: ${removed} of 120 planted`);

    const afterDedup = dedup.quality!;
    for (const q of [e.original, afterDedup, e.minimised]) {
      assert.ok(q.accuracy >= 0 && q.accuracy <= 1);
      assert.ok(q.macroF1! >= 0 && q.macroF1! <= 1);
      assert.ok(q.rocAuc! >= 0 && q.rocAuc! <= 1, 'two classes: ROC-AUC too');
      assert.ok(q.trainEnergyJ > 0);
      assert.match(q.energyMethod, /^(measured|modelled):/);
    }
    assert.ok(e.original.accuracy >= 0.85, `the linear text model learns the classes (accuracy ${e.original.accuracy})`);
    assert.ok(afterDedup.accuracy >= e.original.accuracy - 0.03, `near dedup keeps accuracy: ${e.original.accuracy} -> ${afterDedup.accuracy}`);
    assert.equal(afterDedup.trainRows, dedup.rows.after);
    assert.equal(dedup.overBudget, dedup.qualityDrop! > 0.02);
    // The filter leaves a tenth of one class: accuracy falls far beyond the budget.
    const harmful = r.steps[1]!;
    assert.ok(harmful.qualityDrop! > 0.02 && harmful.overBudget, `harmful step drop ${harmful.qualityDrop}`);
    assert.deepEqual(e.flagged, ['step 2 (filter)']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('minimise --evaluate on text without a textDedup step: --text-col (plan textCol) picks the text model; an unknown text column is one line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'verde-evaluate-text-col-'));
  try {
    const { rows } = corpus(120, 20, 3);
    const file = join(dir, 'texts.csv');
    await writeFile(file, ['body,label', ...rows.map((r) => `"${r.text.replace(/"/g, '""')}",${r.label}`)].join('\n') + '\n');
    const r = await runMinimise({ input: file, outDir: join(dir, 'out'), plan: checkPlan({ labelCol: 'label', textCol: 'body', steps: [{ step: 'dedup' }] }, 'p'), evaluate: true, textModel: { epochs: 2 } });
    assert.equal(r.evaluate!.metric, 'accuracy');
    assert.ok(r.evaluate!.original.macroF1 !== undefined);
    await assert.rejects(
      runMinimise({ input: file, outDir: join(dir, 'out2'), plan: checkPlan({ labelCol: 'label', textCol: 'nope', steps: [{ step: 'dedup' }] }, 'p'), evaluate: true }),
      /--text-col: no column "nope"/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
