/**
 * The one call each command makes to record its run: open the store (--store, VERDE_STORE or
 * ./verde-out/runs.db), save, close, and say where. A store that cannot take the run (locked past
 * the busy timeout, newer schema) costs the user one warning line, never the run's own results.
 */
import { openStore, storePath } from './db.js';
import { saveRun } from './runs.js';
import type { RunRecord } from './types.js';
import { updateModelCards } from './cards.js';

export function recordRun(run: RunRecord, storeFlag?: string, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): boolean {
  const path = storePath(storeFlag);
  try {
    const db = openStore(path);
    try {
      saveRun(db, run, path);
    } finally {
      db.close();
    }
    if (run.status === 'complete') log(`verde: run ${run.id} recorded in ${path}`);
    return true;
  } catch (err) {
    log(`verde: warning: ${(err as Error).message.split('\n')[0]} (run ${run.id} not recorded)`);
    return false;
  }
}

/**
 * Build and record, for commands whose record needs the run's results (errors in building are
 * warnings too), then rewrite the model cards of the variants it evaluated with their figures.
 */
export async function recordWith(build: () => RunRecord, storeFlag?: string, datasets: Record<string, string | undefined> = {}): Promise<RunRecord | null> {
  let run: RunRecord;
  try {
    run = build();
  } catch (err) {
    process.stderr.write(`verde: warning: could not assemble the run record (${(err as Error).message}); not recorded\n`);
    return null;
  }
  recordRun(run, storeFlag);
  try {
    await updateModelCards(run, datasets);
  } catch (err) {
    process.stderr.write(`verde: warning: model cards not updated (${(err as Error).message.split('\n')[0]})\n`);
  }
  return run;
}
