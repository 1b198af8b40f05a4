import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { intFlag, numberFlag } from '../flags.js';

interface Common { registry?: string; token?: string; json?: boolean }

/** --registry, --token and --json on every sub-command (the same words everywhere). */
function common(cmd: Command, json = true): Command {
  cmd.option('--registry <path>', 'registry directory (default: $VERDE_REGISTRY, else ./verde-out/registry)')
    .option('--token <token>', 'API token (default: $VERDE_REGISTRY_TOKEN); needed once an admin token exists');
  if (json) cmd.option('--json', 'the records as JSON');
  return cmd;
}

async function withRegistry<T>(o: Common, fn: (reg: import('../../registry/db/index.js').Registry, r: typeof import('../../registry/db/index.js')) => Promise<T> | T, create = true): Promise<T> {
  const r = await import('../../registry/db/index.js');
  const reg = r.openRegistry({ registry: o.registry, token: o.token, create });
  try { return await fn(reg, r); } finally { reg.close(); }
}

const out = (o: Common, value: unknown, text: () => string) => process.stdout.write(o.json ? JSON.stringify(value, null, 2) + '\n' : text());
const text = () => import('../../govern/registry-text.js');

/** `verde registry`: the governed model life cycle (docs/registry.md). */
export function registerRegistry(program: Command): void {
  const g = program.command('registry').description(
    'The model registry (guide §2.5): versions with lineage, data fingerprint, metrics and energy;\n' +
      'aliases with approval for production; API tokens with roles; change log; archive/restore (zstd);\n' +
      'retention; verify by content hash; and an audit of superseded, inefficient, drifted, unused and\n' +
      'duplicate models.\n' +
      'Root: --registry PATH, $VERDE_REGISTRY, else ./verde-out/registry. See docs/registry.md.\n' +
      'Example: verde fraud --rows 10k --register; verde registry list; verde registry audit',
  );
  common(g.command('register').description('register a verde model directory as the next version of its name (files first, then one transaction)')
    .argument('<dir>', 'model directory (verde.json + model.onnx); figures are read from ../../results.json when it was written by verde fraud/text')
    .option('--name <name>', 'registry name (default: the manifest name)'))
    .action(async (dir: string, o: Common & { name?: string }) => {
      const { figuresFromRun } = await import('../../govern/run-results.js');
      const f = await figuresFromRun((await import('node:path')).resolve(dir));
      const m = await withRegistry(o, (reg, r) => r.registerModelDir(reg, dir, { name: o.name, metrics: f?.metrics, energy: f?.energy }));
      out(o, m, () => `registered ${m.name}@${m.version} (id ${m.id}, ${m.sizeBytes} bytes${f ? `, figures from ${f.from}` : ', no run figures found'})\n`);
    });
  common(g.command('list').description('every registered version')).action(async (o: Common) => {
    const t = await text();
    // the drift reference (up to 1,000 rows per version) is left to `show`; list gives its size
    const compact = (m: import('../../registry/db/index.js').ModelRecord) => (m.data ? { ...m.data, reference: { featureRows: m.data.reference.features?.sample.length ?? 0, tokenLengths: m.data.reference.tokenLengths?.length ?? 0, probeTexts: m.data.reference.texts?.length ?? 0 } } : null);
    await withRegistry(o, (reg, r) => { const l = r.listModels(reg); out(o, l.map((m) => ({ ...m, data: compact(m) })), () => t.listText(l)); }, false);
  });
  common(g.command('show').description('one version: lineage, metrics, energy, params, data fingerprint, files').argument('<ref>', 'NAME or NAME@VERSION'))
    .action(async (ref: string, o: Common) => {
      const t = await text();
      await withRegistry(o, (reg, r) => { const m = r.showModel(reg, ref); out(o, m, () => t.showText(m)); }, false);
    });
  common(g.command('diff').description('two versions: metrics, energy, params and data that differ').argument('<a>', 'NAME@V').argument('<b>', 'NAME@V'))
    .action(async (a: string, b: string, o: Common) => {
      const t = await text();
      await withRegistry(o, (reg, r) => { const d = r.diffModels(reg, a, b); out(o, d, () => t.diffText(d)); }, false);
    });
  common(g.command('log').description('the append-only change log: every action with who and when').option('--last <n>', 'only the last N', intFlag('--last', 1)))
    .action(async (o: Common & { last?: number }) => {
      const t = await text();
      await withRegistry(o, (reg, r) => { const l = r.readLog(reg, o.last); out(o, l, () => t.logText(l)); }, false);
    });

  const alias = g.command('alias').description('aliases (production, staging, ...) pointing at versions; production needs an approval');
  common(alias.command('set').description('point ALIAS at VERSION (not production: use alias request + approve)').argument('<name>').argument('<alias>').argument('<version>', 'version number', intFlag('VERSION', 1)))
    .action(async (name: string, a: string, v: number, o: Common) => {
      await withRegistry(o, async (reg, r) => { const row = await r.setAlias(reg, name, a, v); out(o, row, () => `${name}: ${a} -> ${v}\n`); });
    });
  common(alias.command('rm').description('remove an alias (production: approver role)').argument('<name>').argument('<alias>'))
    .action(async (name: string, a: string, o: Common) => {
      await withRegistry(o, async (reg, r) => { await r.removeAlias(reg, name, a); out(o, { name, alias: a, removed: true }, () => `${name}: alias ${a} removed\n`); });
    });
  common(alias.command('request').description('ask for ALIAS (e.g. production) -> VERSION; an approver other than you approves').argument('<name>').argument('<alias>').argument('<version>', 'version number', intFlag('VERSION', 1)))
    .action(async (name: string, a: string, v: number, o: Common) => {
      await withRegistry(o, (reg, r) => { const q = r.requestAlias(reg, name, a, v); out(o, q, () => `request ${q.id}: ${name} ${a} -> ${v} (by ${q.requestedBy}); approve with verde registry approve ${q.id}\n`); });
    });
  common(alias.command('list').description('aliases').argument('[name]'))
    .action(async (name: string | undefined, o: Common) => {
      await withRegistry(o, (reg, r) => { const l = r.listAliases(reg, name); out(o, l, () => l.map((a) => `${a.name}  ${a.alias} -> ${a.version}  (${a.setAt} by ${a.setBy})`).join('\n') + '\n'); }, false);
    });
  common(g.command('requests').description('alias requests and their approvals')).action(async (o: Common) => {
    await withRegistry(o, (reg, r) => { const l = r.listRequests(reg); out(o, l, () => l.map((q) => `${q.id}  ${q.name} ${q.alias} -> ${q.version}  ${q.status}  requested by ${q.requestedBy}${q.decidedBy ? `, approved by ${q.decidedBy}` : ''}`).join('\n') + '\n'); }, false);
  });
  common(g.command('approve').description('approve an alias request (approver role, not the requester)').argument('<id>', 'request id', intFlag('ID', 1)))
    .action(async (id: number, o: Common) => {
      await withRegistry(o, async (reg, r) => { const a = await r.approveRequest(reg, id); out(o, a, () => `approved request ${id}: ${a.name} ${a.alias} -> ${a.version}\n`); });
    });

  const token = g.command('token').description('API tokens (stored hashed) with roles viewer < developer < approver < admin');
  common(token.command('create').description('create a token and print it once').requiredOption('--role <role>', 'viewer, developer, approver or admin').requiredOption('--name <who>', 'who holds it (shown in the change log)'))
    .action(async (o: Common & { role: string; name: string }) => {
      await withRegistry(o, (reg, r) => { const t = r.createToken(reg.db, reg.actor, o.name, r.parseRole(o.role)); out(o, { name: o.name, role: o.role, token: t }, () => `${t}\n`); });
    });
  common(token.command('list').description('token holders and roles (never the tokens)')).action(async (o: Common) => {
    await withRegistry(o, (reg, r) => { const l = r.listTokens(reg.db, reg.actor); out(o, l, () => l.map((t) => `${t.name}  ${t.role}  created ${t.createdAt} by ${t.createdBy}`).join('\n') + '\n'); }, false);
  });

  common(g.command('archive').description('compress a version\'s files with zstd, keep its metadata, remove its checkout').argument('<ref>', 'NAME@VERSION'))
    .action(async (ref: string, o: Common) => {
      await withRegistry(o, async (reg, r) => { const a = await r.archiveModel(reg, ref); out(o, a, () => `archived ${a.model}: ${a.files} files, ${a.bytes} -> ${a.compressedBytes} bytes (zstd)\n`); });
    });
  common(g.command('restore').description('restore an archived version byte-identical (content hash checked) and check it out').argument('<ref>', 'NAME@VERSION'))
    .action(async (ref: string, o: Common) => {
      await withRegistry(o, async (reg, r) => { const a = await r.restoreModel(reg, ref); out(o, a, () => `restored ${a.model} to ${a.dir}\n`); });
    });
  common(g.command('retention').description('delete the files of versions outside the policy (never an aliased one); metadata and log stay')
    .option('--keep-last <n>', 'keep the newest N versions of each name', intFlag('--keep-last', 1))
    .option('--newer-than <days>', 'keep versions registered within DAYS days', numberFlag('--newer-than', { min: 0 }))
    .option('--dry-run', 'show what would go and the bytes freed; delete nothing'))
    .action(async (o: Common & { keepLast?: number; newerThan?: number; dryRun?: boolean }) => {
      await withRegistry(o, async (reg, r) => {
        const p = await r.retention(reg, { keepLast: o.keepLast, newerThanDays: o.newerThan }, !!o.dryRun);
        out(o, p, () => [`retention (${p.policy})${p.dryRun ? ' dry run' : ''}: ${p.remove.length} version(s) ${p.dryRun ? 'would go' : 'deleted'}, ${p.bytesFreed} bytes ${p.dryRun ? 'would be ' : ''}freed`,
          ...p.remove.map((x) => `  ${x.model}  ${x.status}  registered ${x.registeredAt}  ${x.bytesFreed} B`),
          ...(p.keptAliased.length ? [`kept because aliased: ${p.keptAliased.join(', ')}`] : [])].join('\n') + '\n');
      });
    });
  common(g.command('verify').description('re-hash every stored file (blobs, checkouts, archives) against the record')).action(async (o: Common) => {
    await withRegistry(o, async (reg, r) => {
      const v = await r.verifyRegistry(reg);
      out(o, v, () => (v.problems.length ? v.problems.map((p) => `${p.model}: ${p.file}: ${p.problem}`).join('\n') + '\n' : `${v.checked} files checked, all match their content hash\n`));
      if (v.problems.length) process.exitCode = 1;
    }, false);
  });
  common(g.command('audit').description('superseded, inefficient, drifted, unused and duplicate models, with evidence and an action')
    .option('--usage-days <n>', 'the usage window: unused = no requests in it; drift is judged on the inputs served in it (days, default 30)', intFlag('--usage-days', 1)))
    .action(async (o: Common & { usageDays?: number }) => {
      const a = await import('../../govern/audit/index.js');
      await withRegistry(o, async (reg) => {
        const rep = await a.auditRegistry(reg, { usageDays: o.usageDays });
        const { writeJsonAtomic } = await import('../../util/atomic.js');
        await writeJsonAtomic((await import('node:path')).join(reg.layout.root, 'audit.json'), rep);
        out(o, rep, () => a.auditText(rep) + `(also in ${reg.layout.root}/audit.json)\n`);
      }, false);
    });
}
