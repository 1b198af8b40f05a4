/**
 * The declared minimisation plan: an ordered list of steps, each with its parameters, read from
 * plan.json or built from flags, checked before any data is touched (unknown step, unknown or
 * ill-typed parameter: one line naming the step). The plan as run (defaults filled in) is written
 * beside the output so that the run can be repeated.
 */
import { fail } from '../../util/errors.js';

export interface StepSpecs {
  /** Drop rows where the SQL predicate is true. */
  filter: { where: string };
  /** Drop rows with a numeric value beyond z standard deviations (method z) or k IQRs outside the quartiles (method iqr). */
  outliers: { method: 'z' | 'iqr'; z: number; k: number; columns?: string[] };
  /** Drop columns whose most frequent value covers >= topShare of rows, or numeric with variance <= minVariance. */
  variance: { topShare: number; minVariance: number };
  /** Drop the later column of each numeric pair with |r| > threshold. */
  correlation: { threshold: number };
  /** Drop columns missing in more than maxShare of rows; then rows with any missing value when dropRows. */
  missing: { maxShare: number; dropRows: boolean };
  /** Keep the first row of each group with the same values in `columns` (default all). */
  dedup: { columns?: string[] };
  /** Keep the first row of each group with the same normalised key (numbers rounded, text case/space folded). */
  nearDedup: { columns?: string[]; decimals: number };
  /** Keep one text of each MinHash/LSH cluster at Jaccard >= threshold on word shingles. */
  textDedup: { column: string; threshold: number; shingle: number; perms: number; bands: number };
  /** Keep the `count` most important features, or the fewest covering `share` of the GBDT gain. */
  features: { count?: number; share?: number; sampleRows: number };
  /** Narrow numeric types where lossless within `tolerance` (relative), dictionary strings, zstd Parquet. */
  compact: { tolerance: number };
  /** Undersample the majority class to at most `ratio` times the minority. */
  rebalance: { ratio: number };
  /** Stratified sample of `rows` rows (class shares kept). */
  sample: { rows: number };
}

export type StepName = keyof StepSpecs;
export type PlanStep = { [K in StepName]: { step: K } & StepSpecs[K] }[StepName];

export interface Plan {
  labelCol?: string;
  /**
   * The text column of text data: --evaluate then trains the linear text model on it, not the GBDT.
   * Default: the column of the first textDedup step (a plan with one is text data).
   */
  textCol?: string;
  /** Seed of every random choice (test split, sampling). */
  seed: number;
  steps: PlanStep[];
}

const DEFAULTS: { [K in StepName]: Partial<StepSpecs[K]> } = {
  filter: {},
  outliers: { method: 'z', z: 4, k: 3 },
  variance: { topShare: 0.99, minVariance: 0 },
  correlation: { threshold: 0.95 },
  missing: { maxShare: 0.5, dropRows: false },
  dedup: {},
  nearDedup: { decimals: 2 },
  textDedup: { threshold: 0.8, shingle: 3, perms: 128, bands: 16 },
  features: { sampleRows: 50_000 },
  compact: { tolerance: 1e-6 },
  rebalance: {},
  sample: {},
};

type Kind = 'string' | 'number' | 'boolean' | 'strings' | 'int';
const PARAMS: { [K in StepName]: Record<string, { kind: Kind; required?: boolean; check?: (v: never) => boolean; rule?: string }> } = {
  filter: { where: { kind: 'string', required: true } },
  outliers: { method: { kind: 'string', check: (v: string) => v === 'z' || v === 'iqr', rule: 'z or iqr' }, z: { kind: 'number', check: (v: number) => v > 0, rule: '> 0' }, k: { kind: 'number', check: (v: number) => v > 0, rule: '> 0' }, columns: { kind: 'strings' } },
  variance: { topShare: { kind: 'number', check: (v: number) => v > 0 && v <= 1, rule: 'in (0, 1]' }, minVariance: { kind: 'number', check: (v: number) => v >= 0, rule: '>= 0' } },
  correlation: { threshold: { kind: 'number', check: (v: number) => v > 0 && v < 1, rule: 'in (0, 1)' } },
  missing: { maxShare: { kind: 'number', check: (v: number) => v >= 0 && v <= 1, rule: 'in [0, 1]' }, dropRows: { kind: 'boolean' } },
  dedup: { columns: { kind: 'strings' } },
  nearDedup: { columns: { kind: 'strings' }, decimals: { kind: 'int', check: (v: number) => v >= -6 && v <= 10, rule: 'an integer -6..10' } },
  textDedup: { column: { kind: 'string', required: true }, threshold: { kind: 'number', check: (v: number) => v > 0 && v <= 1, rule: 'in (0, 1]' }, shingle: { kind: 'int', check: (v: number) => v >= 1 && v <= 10, rule: 'an integer 1..10' }, perms: { kind: 'int', check: (v: number) => v >= 8 && v <= 1024, rule: 'an integer 8..1024' }, bands: { kind: 'int', check: (v: number) => v >= 1, rule: 'an integer >= 1' } },
  features: { count: { kind: 'int', check: (v: number) => v >= 1, rule: 'an integer >= 1' }, share: { kind: 'number', check: (v: number) => v > 0 && v <= 1, rule: 'in (0, 1]' }, sampleRows: { kind: 'int', check: (v: number) => v >= 100, rule: 'an integer >= 100' } },
  compact: { tolerance: { kind: 'number', check: (v: number) => v >= 0 && v < 1, rule: 'in [0, 1)' } },
  rebalance: { ratio: { kind: 'number', required: true, check: (v: number) => v >= 1, rule: '>= 1' } },
  sample: { rows: { kind: 'int', required: true, check: (v: number) => v >= 1, rule: 'an integer >= 1' } },
};

export const STEP_NAMES = Object.keys(PARAMS) as StepName[];

function typeOk(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'string': return typeof v === 'string' && v.trim() !== '';
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'int': return typeof v === 'number' && Number.isInteger(v);
    case 'boolean': return typeof v === 'boolean';
    case 'strings': return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');
  }
}

/** Check a plan (parsed JSON) and fill in defaults; `where` names the source in errors. */
export function checkPlan(raw: unknown, where: string): Plan {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(where, 'a plan is a JSON object with a "steps" array');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['labelCol', 'textCol', 'seed', 'steps'].includes(k)) fail(where, `unknown plan field "${k}" (fields: labelCol, textCol, seed, steps)`);
  if (o.labelCol !== undefined && typeof o.labelCol !== 'string') fail(where, 'labelCol must be a string');
  if (o.textCol !== undefined && (typeof o.textCol !== 'string' || o.textCol.trim() === '')) fail(where, 'textCol must be a column name');
  if (o.seed !== undefined && !(Number.isInteger(o.seed))) fail(where, 'seed must be an integer');
  if (!Array.isArray(o.steps) || o.steps.length === 0) fail(where, '"steps" must be a non-empty array');
  const steps = o.steps.map((s, i) => checkStep(s, `${where}: step ${i + 1}`));
  for (const s of steps) {
    if ((s.step === 'rebalance' || s.step === 'sample' || s.step === 'features') && o.labelCol === undefined) fail(where, `step "${s.step}" needs a label column (--label-col or "labelCol")`);
  }
  const textCol = (o.textCol as string | undefined) ?? steps.find((s): s is Extract<PlanStep, { step: 'textDedup' }> => s.step === 'textDedup')?.column;
  return { labelCol: o.labelCol as string | undefined, ...(textCol !== undefined ? { textCol } : {}), seed: (o.seed as number | undefined) ?? 1, steps };
}

function checkStep(raw: unknown, where: string): PlanStep {
  if (typeof raw !== 'object' || raw === null) fail(where, 'a step is an object with a "step" name');
  const o = raw as Record<string, unknown>;
  const name = o.step as StepName;
  if (typeof name !== 'string' || !(name in PARAMS)) fail(where, `unknown step "${String(o.step)}" (steps: ${STEP_NAMES.join(', ')})`);
  const spec = PARAMS[name];
  const at = `${where} (${name})`;
  for (const [k, v] of Object.entries(o)) {
    if (k === 'step') continue;
    const p = spec[k];
    if (!p) fail(at, `unknown parameter "${k}" (parameters: ${Object.keys(spec).join(', ') || 'none'})`);
    if (!typeOk(p.kind, v)) fail(at, `parameter "${k}" must be ${p.kind === 'strings' ? 'a non-empty list of column names' : p.kind === 'int' ? 'an integer' : `a ${p.kind}`} (got ${JSON.stringify(v)})`);
    if (p.check && !(p.check as (x: unknown) => boolean)(v)) fail(at, `parameter "${k}" must be ${p.rule} (got ${JSON.stringify(v)})`);
  }
  for (const [k, p] of Object.entries(spec)) if (p.required && o[k] === undefined) fail(at, `parameter "${k}" is required`);
  if (name === 'features' && (o.count === undefined) === (o.share === undefined)) fail(at, 'give one of "count" or "share"');
  const step = { step: name, ...DEFAULTS[name], ...o } as PlanStep;
  if (step.step === 'textDedup' && step.perms % step.bands !== 0) fail(at, `"bands" (${step.bands}) must divide "perms" (${step.perms})`);
  return step;
}
