/**
 * `verde registry audit`: for every registered, checked-out model, findings with evidence and a
 * recommended action (docs/registry.md has the thresholds and why):
 *   - superseded: another version for the same task, labels and data (source hash) with >= its
 *     primary metric and <= its energy per inference (strictly better in one) -> archive;
 *   - inefficient: primary metric per joule below 1/INEFFICIENCY_RATIO of the best of the task -> compress/retrain or archive;
 *   - drifted: a feature's PSI > 0.2 (or KS > 0.2) between the training reference and the inputs served
 *     (usage files), or the token lengths for text, or the predicted label shares against the training
 *     label balance (PSI > 0.2) -> retrain on recent data;
 *   - unused: no requests in the usage files for --usage-days, or never served -> archive;
 *   - duplicates: near-identical predictions on a probe set -> consolidate (keep the cheaper).
 */
import { requireRole } from '../../registry/db/auth.js';
import { allModels, type Registry } from '../../registry/db/open.js';
import { checkoutDir } from '../../registry/db/layout.js';
import type { ModelRecord } from '../../registry/db/types.js';
import { readManifest } from '../../registry/manifest.js';
import { primaryMetric } from '../run-results.js';
import { KS_DRIFT, MIN_DRIFT_ROWS, PSI_DRIFT, categoricalPsi, ks, psi } from './drift.js';
import { AGREEMENT_DUPLICATE, RANK_CORRELATION_DUPLICATE, findDuplicates } from './duplicates.js';
import { readUsage, usageOf, type UsageFile } from './usage.js';

export const INEFFICIENCY_RATIO = 10;
export const DEFAULT_USAGE_DAYS = 30;

export type FindingKind = 'superseded' | 'inefficient' | 'drifted' | 'unused' | 'duplicate';

export interface Finding {
  kind: FindingKind;
  model: string;
  summary: string;
  evidence: Record<string, unknown>;
  action: string;
}

export interface AuditReport {
  registry: string;
  at: string;
  models: number;
  usageFiles: number;
  thresholds: Record<string, number>;
  findings: Finding[];
}

const ref = (m: ModelRecord) => `${m.name}@${m.version}`;
const r4 = (v: number) => Number(v.toPrecision(4));

function superseded(models: ModelRecord[]): Finding[] {
  const out: Finding[] = [];
  for (const m of models) {
    const metric = primaryMetric(m.task);
    const mv = m.metrics[metric];
    const mj = m.energy.jPerInference;
    if (mv === undefined || mj === null || !m.data) continue;
    const better = models.filter((o) => o.id !== m.id && o.task === m.task && o.data?.hash === m.data!.hash && JSON.stringify(o.labels) === JSON.stringify(m.labels))
      .filter((o) => (o.metrics[metric] ?? -Infinity) >= mv && o.energy.jPerInference !== null && o.energy.jPerInference <= mj)
      .filter((o) => (o.metrics[metric]! > mv || o.energy.jPerInference! < mj))
      .sort((a, b) => a.energy.jPerInference! - b.energy.jPerInference!);
    const by = better[0];
    if (!by) continue;
    out.push({
      kind: 'superseded', model: ref(m),
      summary: `${ref(by)} on the same data has ${metric} ${r4(by.metrics[metric]!)} >= ${r4(mv)} at ${by.energy.jPerInference!.toExponential(2)} <= ${mj.toExponential(2)} J/inference`,
      evidence: { by: ref(by), metric, value: mv, byValue: by.metrics[metric], jPerInference: mj, byJPerInference: by.energy.jPerInference, energyMethod: m.energy.method, dataHash: m.data.hash },
      action: `archive ${ref(m)} (verde registry archive ${ref(m)}); serve ${ref(by)} instead`,
    });
  }
  return out;
}

function inefficient(models: ModelRecord[]): Finding[] {
  const out: Finding[] = [];
  const eff = (m: ModelRecord) => {
    const v = m.metrics[primaryMetric(m.task)];
    return v !== undefined && m.energy.jPerInference && m.energy.jPerInference > 0 ? v / m.energy.jPerInference : null;
  };
  for (const task of new Set(models.map((m) => m.task))) {
    const scored = models.filter((m) => m.task === task && eff(m) !== null);
    if (scored.length < 2) continue;
    const best = scored.reduce((a, b) => (eff(b)! > eff(a)! ? b : a));
    for (const m of scored) {
      const ratio = eff(best)! / eff(m)!;
      if (ratio <= INEFFICIENCY_RATIO) continue;
      const metric = primaryMetric(task);
      out.push({
        kind: 'inefficient', model: ref(m),
        summary: `${metric} per joule ${r4(eff(m)!)} is ${r4(ratio)}x below the best of ${task} (${ref(best)}: ${r4(eff(best)!)})`,
        evidence: { metric, perJoule: eff(m), best: ref(best), bestPerJoule: eff(best), ratio, threshold: INEFFICIENCY_RATIO, energyMethod: m.energy.method },
        action: `compress (prune/quantise/distil) or retrain ${ref(m)} smaller; archive it if ${ref(best)} is good enough`,
      });
    }
  }
  return out;
}

/**
 * One drifted finding per model, from up to three comparisons between its training reference and
 * what `verde serve` recorded for it (each judged only with >= MIN_DRIFT_ROWS served rows/texts):
 * the features (tabular), the token lengths (text), and the predicted labels' shares against the
 * training label balance (both; a model whose inputs look alike but whose answers moved is drifting too).
 * Only usage files flushed within the --usage-days window count.
 */
function drifted(models: ModelRecord[], usage: UsageFile[], days: number, now: number): Finding[] {
  const out: Finding[] = [];
  // Inputs flushed within the usage window only: older ones say what the model saw, not what it sees.
  const since = now - days * 86_400_000;
  for (const m of models) {
    const u = usageOf(usage, m.name, m.version).files.filter((f) => Date.parse(f.to) >= since);
    if (!u.length || !m.data) continue;
    const parts: string[] = [];
    const evidence: Record<string, unknown> = { usageFiles: u.map((f) => f.file), psiThreshold: PSI_DRIFT, ksThreshold: KS_DRIFT };
    const refFeat = m.data.reference.features;
    const served = refFeat ? u.flatMap((f) => (f.features && f.features.names.join(',') === refFeat.names.join(',') ? f.features.sample : [])) : [];
    if (refFeat && served.length >= MIN_DRIFT_ROWS) {
      const per = refFeat.names.map((name, c) => ({
        feature: name,
        psi: psi(refFeat.sample.map((r) => r[c] ?? null), served.map((r) => r[c] ?? null)),
        ks: ks(refFeat.sample.map((r) => r[c] ?? null), served.map((r) => r[c] ?? null)),
      })).sort((a, b) => b.psi - a.psi);
      const bad = per.filter((p) => p.psi > PSI_DRIFT || p.ks > KS_DRIFT);
      if (bad.length) {
        const named = bad.slice(0, 5).map((p) => `${p.feature} (PSI ${r4(p.psi)}, KS ${r4(p.ks)})`).join(', ') + (bad.length > 5 ? `, ${bad.length - 5} more` : '');
        parts.push(`${bad.length} of ${per.length} features drifted: ${named}; ${served.length} served rows vs ${refFeat.sample.length} training rows`);
        Object.assign(evidence, { servedRows: served.length, referenceRows: refFeat.sample.length, features: bad.map((p) => ({ feature: p.feature, psi: r4(p.psi), ks: r4(p.ks) })) });
      }
    }
    const refTok = m.data.reference.tokenLengths;
    const servedTok = u.flatMap((f) => f.tokenLengths ?? []);
    if (refTok?.length && servedTok.length >= MIN_DRIFT_ROWS) {
      const p = psi(refTok, servedTok);
      const k = ks(refTok, servedTok);
      if (p > PSI_DRIFT || k > KS_DRIFT) {
        const mean = (v: number[]) => r4(v.reduce((a, b) => a + b, 0) / v.length);
        parts.push(`token lengths drifted: PSI ${r4(p)}, KS ${r4(k)} (mean ${mean(servedTok)} served vs ${mean(refTok)} training tokens; ${servedTok.length} served texts vs ${refTok.length} training texts)`);
        evidence.tokenLengths = { psi: r4(p), ks: r4(k), servedTexts: servedTok.length, referenceTexts: refTok.length, servedMean: mean(servedTok), referenceMean: mean(refTok) };
      }
    }
    const predicted: Record<string, number> = {};
    for (const f of u) for (const [l, n] of Object.entries(f.predictedLabels ?? {})) predicted[l] = (predicted[l] ?? 0) + n;
    const predictedRows = Object.values(predicted).reduce((a, b) => a + b, 0);
    if (Object.keys(m.data.labelBalance).length && predictedRows >= MIN_DRIFT_ROWS) {
      const c = categoricalPsi(m.data.labelBalance, predicted);
      if (c.psi > PSI_DRIFT) {
        parts.push(`predicted label shares drifted: PSI ${r4(c.psi)} (served ${JSON.stringify(c.current)} vs training ${JSON.stringify(c.reference)})`);
        evidence.labels = { psi: r4(c.psi), served: c.current, training: c.reference, servedRows: predictedRows };
      }
    }
    if (!parts.length) continue;
    const what = m.task === 'text-classification' ? 'texts' : 'data';
    out.push({ kind: 'drifted', model: ref(m), summary: parts.join('; '), evidence, action: `retrain ${m.name} on recent ${what} (the inputs it serves, or its answers, no longer look like its training ${what})` });
  }
  return out;
}

function unused(models: ModelRecord[], usage: UsageFile[], days: number, now: number): Finding[] {
  const out: Finding[] = [];
  for (const m of models) {
    const u = usageOf(usage, m.name, m.version);
    const since = now - days * 86_400_000;
    if (u.lastServed && Date.parse(u.lastServed) >= since) continue;
    out.push({
      kind: 'unused', model: ref(m),
      summary: u.lastServed ? `no requests since ${u.lastServed} (${days} days window; ${u.requests} requests in all)` : `never served (no usage file with requests for it in usage/)`,
      evidence: { lastServed: u.lastServed, requests: u.requests, usageFiles: u.files.map((f) => f.file), windowDays: days },
      action: `archive ${ref(m)} (verde registry archive ${ref(m)}) unless it is kept for a reason the registry cannot see`,
    });
  }
  return out;
}

export async function auditRegistry(reg: Registry, opts: { usageDays?: number; now?: number } = {}): Promise<AuditReport> {
  requireRole(reg.actor, 'audit', 'viewer');
  const days = opts.usageDays ?? DEFAULT_USAGE_DAYS;
  const now = opts.now ?? Date.now();
  const models = allModels(reg.db).filter((m) => m.status === 'active');
  const { files: usage } = await readUsage(reg.layout.usage);
  const checkout = (m: ModelRecord) => checkoutDir(reg.layout, m.name, m.version);
  const dups = await findDuplicates(models, checkout, async (m) => {
    const man = await readManifest(checkout(m));
    return { input: man.io.inputs[0]!, output: man.io.output };
  });
  const duplicates: Finding[] = dups.map((d) => {
    const [keep, drop] = (d.b.energy.jPerInference ?? Infinity) < (d.a.energy.jPerInference ?? Infinity) ? [d.b, d.a] : [d.a, d.b];
    return {
      kind: 'duplicate', model: ref(drop),
      summary: `predicts like ${ref(keep)}: ${(d.agreement * 100).toFixed(2)} % same class, rank correlation ${d.rankCorrelation.toFixed(4)}, mean probability gap ${d.meanProbabilityGap.toExponential(2)} on ${d.probeRows} probe rows`,
      evidence: { with: ref(keep), agreement: d.agreement, rankCorrelation: d.rankCorrelation, meanProbabilityGap: d.meanProbabilityGap, probeRows: d.probeRows, probe: `training reference sample of ${d.probeFrom}`, jPerInference: drop.energy.jPerInference, withJPerInference: keep.energy.jPerInference },
      action: `consolidate: keep ${ref(keep)} (cheaper per inference), archive ${ref(drop)}`,
    };
  });
  const findings = [...superseded(models), ...inefficient(models), ...drifted(models, usage, days, now), ...unused(models, usage, days, now), ...duplicates];
  return {
    registry: reg.layout.root,
    at: new Date(now).toISOString(),
    models: models.length,
    usageFiles: usage.length,
    thresholds: { psi: PSI_DRIFT, ks: KS_DRIFT, minDriftRows: MIN_DRIFT_ROWS, inefficiencyRatio: INEFFICIENCY_RATIO, duplicateAgreement: AGREEMENT_DUPLICATE, duplicateRankCorrelation: RANK_CORRELATION_DUPLICATE, usageDays: days },
    findings,
  };
}

export function auditText(r: AuditReport): string {
  const lines = [`audit of ${r.registry}: ${r.models} checked-out models, ${r.usageFiles} usage files, ${r.findings.length} findings`,
    `thresholds: PSI > ${r.thresholds.psi} or KS > ${r.thresholds.ks} drifted (>= ${r.thresholds.minDriftRows} served rows); metric/J below best/${r.thresholds.inefficiencyRatio} inefficient; duplicates >= ${r.thresholds.duplicateAgreement} same class and >= ${r.thresholds.duplicateRankCorrelation} rank correlation; unused: no requests in ${r.thresholds.usageDays} days`];
  for (const f of r.findings) lines.push('', `[${f.kind}] ${f.model}: ${f.summary}`, `  action: ${f.action}`);
  return lines.join('\n') + '\n';
}
