/**
 * `verde demo`'s data part (§1): two minimisations on the embedded, offline data, each with --evaluate.
 * 1. The SpamAssassin mail corpus (embedded; near-duplicate mails exist in it: the same spam sent
 *    with small changes): exact dedup, then MinHash/LSH near dedup of the texts, then compact storage,
 *    judged by verde's linear hashed n-gram text model (a smaller hash space, fewer n-grams per mail
 *    and 2 epochs, so that the part takes seconds: the same settings before and after).
 * 2. Generated card transactions: filter, dedup, near dedup, feature selection and compact storage,
 *    verde's GBDT trained on the original and the minimised training rows.
 * DIR/results.json has both runs' before -> after in one place (minimise.json has every step).
 */
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic.js';
import { loadSpamAssassin } from '../text/index.js';
import { writeTransactions } from '../transactions/index.js';
import { checkPlan } from './plan.js';
import { runMinimise, formatMinimise, type MinimiseResult } from './run.js';

/** The demo's text model: small enough for seconds per training on ~5,000 mails. */
export const DEMO_TEXT_MODEL = { epochs: 2, hashDim: 1 << 16, maxFeatures: 1024 } as const;

export interface DataDemoResult {
  mail: MinimiseResult;
  transactions: MinimiseResult;
  text: string;
}

export async function runDataDemo(outDir: string, opts: { rows?: number; log?: (line: string) => void } = {}): Promise<DataDemoResult> {
  await mkdir(outDir, { recursive: true });
  const mails = await loadSpamAssassin();
  const mailFile = join(outDir, 'spam-assassin.jsonl');
  await writeFileAtomic(mailFile, mails.texts.map((t, i) => JSON.stringify({ text: t, label: mails.labelNames[mails.labels[i]!] })).join('\n') + '\n');
  const mail = await runMinimise({
    input: mailFile, outDir: join(outDir, 'mail-minimised'), log: opts.log, evaluate: true, textModel: DEMO_TEXT_MODEL,
    plan: checkPlan({ labelCol: 'label', steps: [{ step: 'dedup' }, { step: 'textDedup', column: 'text', threshold: 0.8 }, { step: 'compact' }] }, 'demo mail plan'),
  });
  const txFile = join(outDir, 'transactions.parquet');
  await writeTransactions(txFile, { rows: opts.rows ?? 20_000, fraudRate: 0.02 });
  const transactions = await runMinimise({
    input: txFile, outDir: join(outDir, 'transactions-minimised'), evaluate: true, log: opts.log,
    plan: checkPlan({ labelCol: 'is_fraud', steps: [
      { step: 'filter', where: "amount < 5 AND channel = 'pos'" }, { step: 'dedup', columns: ['tx_id'] }, { step: 'nearDedup', decimals: 2 },
      { step: 'features', count: 4 }, { step: 'compact' },
    ] }, 'demo transactions plan'),
  });
  const text = ['§1 data minimisation with --evaluate: the SpamAssassin mails (embedded)', formatMinimise(mail), '',
    '§1 data minimisation with --evaluate: generated card transactions', formatMinimise(transactions)].join('\n');
  await writeJsonAtomic(join(outDir, 'results.json'), { mail: summary(mail), transactions: summary(transactions) });
  return { mail, transactions, text };
}

/** One run's before -> after: rows, columns, bytes, and the evaluation (quality and training energy). */
export function summary(r: MinimiseResult) {
  return {
    minimiseJson: join(r.output, '..', 'minimise.json'),
    inputRows: r.source.rows,
    /** The rows the steps minimised (with --evaluate: all but the held-out test rows). */
    rows: { before: r.steps[0]?.rows.before ?? r.source.rows, after: r.final.rows },
    columns: { before: r.source.columns, after: r.final.columns },
    bytesZstdParquet: { before: r.source.bytesZstdParquet, after: r.final.bytes },
    steps: r.steps.map((s) => ({ step: s.step, rows: s.rows, [r.evaluate?.metric ?? 'quality']: s.quality?.[r.evaluate?.metric ?? 'accuracy'], overBudget: s.overBudget, carriedOver: s.carriedOver })),
    evaluate: r.evaluate && { model: r.evaluate.model, metric: r.evaluate.metric, testRows: r.evaluate.testRows, budget: r.evaluate.budget, flagged: r.evaluate.flagged, original: r.evaluate.original, minimised: r.evaluate.minimised },
  };
}
