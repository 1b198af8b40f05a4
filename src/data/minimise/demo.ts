/**
 * `verde demo`'s data part (§1): two minimisations on the embedded, offline data.
 * 1. The SpamAssassin mail corpus (embedded; near-duplicate mails exist in it: the same spam sent
 *    with small changes): exact dedup, then MinHash/LSH near dedup of the texts, then compact storage.
 * 2. Generated card transactions with --evaluate: filter, dedup, near dedup, feature selection and
 *    compact storage, verde's GBDT trained on the original and the minimised training rows.
 * The mail corpus is not evaluated: its honest model is verde's text model, not wired into
 * minimise yet (docs/data.md), and a GBDT on hashed features would not be that model.
 */
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../../util/atomic.js';
import { loadSpamAssassin } from '../text/index.js';
import { writeTransactions } from '../transactions/index.js';
import { checkPlan } from './plan.js';
import { runMinimise, formatMinimise, type MinimiseResult } from './run.js';

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
    input: mailFile, outDir: join(outDir, 'mail-minimised'), log: opts.log,
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
  const text = ['§1 data minimisation: the SpamAssassin mails (embedded)', formatMinimise(mail), '',
    '§1 data minimisation with --evaluate: generated card transactions', formatMinimise(transactions)].join('\n');
  return { mail, transactions, text };
}
