import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { intFlag } from '../flags.js';
import { STORE_FLAG } from '../store-flag.js';

/** `verde runs list|show|diff|import`: the run store on the terminal. */
export function registerRuns(program: Command): void {
  const runs = program
    .command('runs')
    .description(
      'The run store: every run of measure, text, fraud, demo, calibrate, bench-serve and serve is\n' +
        'recorded in one SQLite file (--store PATH, $VERDE_STORE, else ./verde-out/runs.db).\n' +
        'Example: verde runs list; verde runs show <id>; verde runs diff <a> <b>; verde runs import emissions.csv',
    );
  const open = async (store: string | undefined, create = false) => {
    const s = await import('../../store/index.js');
    return { s, db: s.openStore(s.storePath(store), { create }) };
  };
  runs.command('list')
    .description('runs, newest first')
    .option(...STORE_FLAG)
    .option('--last <n>', 'only the newest N', intFlag('--last', 1))
    .action(async (o: { store?: string; last?: number }) => {
      const { s, db } = await open(o.store);
      try { process.stdout.write(s.runsListText(s.listRuns(db, o.last))); } finally { db.close(); }
    });
  runs.command('show')
    .description('one run: context, energy by component and phase, every variant')
    .argument('<id>', 'run id (a unique prefix is enough)')
    .option(...STORE_FLAG)
    .option('--json', 'the stored record as JSON')
    .action(async (id: string, o: { store?: string; json?: boolean }) => {
      const { s, db } = await open(o.store);
      try {
        const r = s.getRun(db, id);
        process.stdout.write(o.json ? JSON.stringify(r, null, 2) + '\n' : s.runShowText(r));
      } finally { db.close(); }
    });
  runs.command('diff')
    .description('two runs side by side: run totals and each variant both have, with the change')
    .argument('<a>', 'first run id')
    .argument('<b>', 'second run id')
    .option(...STORE_FLAG)
    .action(async (a: string, b: string, o: { store?: string }) => {
      const { s, db } = await open(o.store);
      try { process.stdout.write(s.runsDiffText(s.getRun(db, a), s.getRun(db, b))); } finally { db.close(); }
    });
  runs.command('import')
    .description("import CodeCarbon's emissions.csv (from CodeCarbon in Python or verde measure): one run per row")
    .argument('<file>', 'emissions.csv')
    .option(...STORE_FLAG)
    .action(async (file: string, o: { store?: string }) => {
      const s = await import('../../store/index.js');
      const imported = await s.readCodeCarbonCsv(file);
      if (!imported.length) throw new UserError(`${file}: no rows to import`);
      const path = s.storePath(o.store);
      const db = s.openStore(path);
      try { s.saveRuns(db, imported, path); } finally { db.close(); }
      process.stdout.write(`imported ${imported.length} run(s) from ${file} into ${path}: ${imported.map((r) => r.id).join(', ')}\n`);
    });
}
