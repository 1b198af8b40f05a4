/**
 * The fuzz campaign: `node dist/bench/fuzz/main.js [--inputs 100000] [--seed 1] [--targets a,b]
 * [--budget-s S] [--hang-ms 5000] [--http-requests N] [--jobs 1] [--from 0] [--out DIR]`. Every parser target gets --inputs seeded,
 * mutated inputs (see targets.ts, mutate.ts); the HTTP target sends --http-requests mutated bodies
 * to a real `verde serve` on 127.0.0.1. Writes bench/out/fuzz/results.json (crashes grouped by
 * class, hangs, process deaths, peak RSS, time per target) and the crashing inputs under
 * bench/out/fuzz/inputs/. Exit 1 when anything not allowlisted crashed or hung.
 */
import { mkdir, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../../src/util/atomic.js';
import { runTarget, type Finding, type TargetReport } from './campaign.js';
import { TARGETS } from './targets.js';
import { runHttpTarget } from './http-target.js';
import { knownCrash } from './allowlist.js';

export interface CampaignOptions {
  inputs: number;
  seed: number;
  targets?: string[];
  budgetS?: number;
  hangMs?: number;
  httpRequests?: number;
  /** First input index of the parser targets (default 0): a second process can run a later range. */
  from?: number;
  /** Children per parser target, each on a slice of its inputs (default 1). */
  jobs?: number;
  outDir: string;
  log?: (line: string) => void;
}

export interface CampaignResult {
  about: string;
  seed: number;
  createdAt: string;
  loadAverage: number[];
  targets: TargetReport[];
  /** Not allowlisted: these fail the campaign. */
  unexpected: Finding[];
  /** Allowlisted crash classes (owned by another branch), first few of each. */
  known: Finding[];
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  await rm(o.outDir, { recursive: true, force: true });
  await mkdir(o.outDir, { recursive: true });
  const names = o.targets ?? [...TARGETS.map((t) => t.name), 'http'];
  const reports: TargetReport[] = [];
  const unexpected: Finding[] = [];
  const known: Finding[] = [];
  for (const name of names) {
    const { report, findings } = name === 'http'
      ? await runHttpTarget({ seed: o.seed, requests: o.httpRequests ?? o.inputs, hangMs: o.hangMs ?? 5000, budgetS: o.budgetS, outDir: join(o.outDir, 'http') })
      : await runTarget({ target: name, seed: o.seed, inputs: o.inputs, hangMs: o.hangMs, budgetS: o.budgetS, outDir: o.outDir, jobs: o.jobs, from: o.from });
    for (const f of findings) {
      f.knownAs = knownCrash(f);
      if (!f.knownAs) unexpected.push(f);
      else if (known.filter((k) => k.knownAs === f.knownAs).length < 3) known.push(f);
    }
    for (const c of report.classes) c.knownAs = findings.find((f) => f.index === c.firstIndex)?.knownAs;
    reports.push(report);
    o.log?.(`${name}: ${report.inputs} inputs, ${report.crashes} crashes, ${report.hangs} hangs, ${report.deaths} deaths, peak RSS ${report.peakRssMb} MB, ${report.seconds.toFixed(1)} s (${Math.round(report.inputs / report.seconds)} inputs/s, load ${loadavg()[0]!.toFixed(2)})${report.truncated ? ' (time budget reached)' : ''}`);
  }
  const result: CampaignResult = {
    about: 'verde fuzz campaign: seeded mutated inputs against every parser a user can reach and HTTP bodies through a real verde serve',
    seed: o.seed,
    createdAt: new Date().toISOString(),
    loadAverage: loadavg(),
    targets: reports,
    unexpected,
    known,
  };
  await writeJsonAtomic(join(o.outDir, 'results.json'), result);
  return result;
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && resolve(process.argv[1]).endsWith('bench/fuzz/main.js')) {
  process.env.VERDE_QUIET = '1';
  const num = (n: string, d: number) => (flag(n) === undefined ? d : Number(flag(n)));
  runCampaign({
    inputs: num('--inputs', 100_000),
    seed: num('--seed', 1),
    targets: flag('--targets')?.split(','),
    budgetS: flag('--budget-s') === undefined ? undefined : Number(flag('--budget-s')),
    hangMs: num('--hang-ms', 5000),
    httpRequests: flag('--http-requests') === undefined ? undefined : Number(flag('--http-requests')),
    jobs: num('--jobs', 1),
    from: num('--from', 0),
    outDir: resolve(flag('--out') ?? 'bench/out/fuzz'),
    log: (l) => process.stdout.write(l + '\n'),
  }).then(
    (r) => {
      process.stdout.write(`wrote ${flag('--out') ?? 'bench/out/fuzz'}/results.json: ${r.unexpected.length} unexpected findings, ${r.known.length ? 'known (allowlisted) classes seen' : 'no allowlisted classes seen'}\n`);
      process.exitCode = r.unexpected.length ? 1 : 0;
    },
    (err) => {
      process.stderr.write(`fuzz: ${(err as Error).stack}\n`);
      process.exitCode = 70;
    },
  );
}
