/**
 * `verde calibrate`: choose the serving thresholds of §3.4.1 on labelled validation data, with the
 * same inference workers the server uses — the early-exit threshold that keeps accuracy at a target
 * (§3.4.1.1) and the cascade threshold that keeps a cascade within an accuracy drop of its large
 * model (§3.4.1.3). Prints each choice with what it saves and the `verde serve` flag that applies
 * it, and writes them as JSON.
 */
import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { intFlag, numberFlag, probabilityFlag } from '../flags.js';
import { cascadeFlag } from '../../serve/flags.js';
import type { CascadeSpec } from '../../serve/options.js';

interface CalibrateFlags {
  data: string;
  labelCol: string;
  textCol: string;
  model?: string;
  cascade: CascadeSpec[];
  targetAccuracy?: number;
  maxAccuracyDrop: number;
  threads: number;
  out: string;
}

/** The validation rows as the model's inference worker takes them, and their labels. */
async function readValidation(file: string, dir: string, flags: CalibrateFlags) {
  const { resolve } = await import('node:path');
  const { readManifest } = await import('../../registry/manifest.js');
  const { readColumns } = await import('../../data/text/files.js');
  const m = await readManifest(resolve(dir));
  const label = { name: flags.labelCol, flag: '--label-col' };
  let rows: import('../../serve/protocol.js').BatchRows;
  let raw: (string | null)[][];
  if (m.task === 'text-classification') {
    raw = await readColumns(file, [{ name: flags.textCol, flag: '--text-col' }, label]);
    rows = { kind: 'text', texts: raw.map((r, i) => {
      if (typeof r[0] !== 'string' || r[0].trim() === '') throw new UserError(`${file}: record ${i + 1}: field "${flags.textCol}" is empty`);
      return r[0];
    }) };
  } else {
    const { featureValue } = await import('../../predict/tabular-predictor.js');
    const features = m.tabular!.features;
    raw = await readColumns(file, [...features.map((f) => ({ name: f.name, flag: 'feature' })), label]);
    rows = { kind: 'tabular', features: raw.map((r, i) => Float32Array.from(features, (f, j) => featureValue(r[j] ?? null, f, file, i + 1))) };
  }
  if (raw.length === 0) throw new UserError(`${file}: has no rows`);
  const labels = raw.map((r, i) => {
    const l = r[r.length - 1];
    if (typeof l !== 'string' || l.trim() === '') throw new UserError(`${file}: record ${i + 1}: field "${flags.labelCol}" is empty`);
    return l.trim();
  });
  return { rows, labels };
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description(
      'Choose serving thresholds on labelled validation data (guide §3.4.1), running the models as the server does.\n' +
        '--model DIR (trained with `verde text --early-exit`): the lowest early-exit threshold whose accuracy stays at\n' +
        '--target-accuracy (default: the full model\'s accuracy minus --max-accuracy-drop), and the share of texts\n' +
        'each exit answers. --cascade small=DIR,large=DIR: the threshold at which the small model answers the most\n' +
        'while the cascade stays within --max-accuracy-drop of the large model. Prints the `verde serve` flags to use\n' +
        'and writes the choices to --out. Use data the models were not trained on.\n' +
        'Example: verde calibrate --model verde-out/text/models/base --data valid.csv --label-col label',
    )
    .requiredOption('--data <file>', 'labelled validation data: CSV, TSV, JSON, JSONL or Parquet')
    .option('--label-col <name>', 'column with the true labels (values as the model\'s labels)', 'label')
    .option('--text-col <name>', 'column with the texts (text models)', 'text')
    .option('--model <dir>', 'a model with early-exit stages (verde.json "earlyExit")')
    .option('--cascade <spec>', 'small=DIR,large=DIR: a cascade to calibrate (repeatable)', cascadeFlag, [])
    .option('--target-accuracy <p>', 'early exit: accuracy to keep on this data (default: full model minus --max-accuracy-drop)', probabilityFlag('--target-accuracy'))
    .option('--max-accuracy-drop <d>', 'largest accuracy loss allowed against the full (or large) model', probabilityFlag('--max-accuracy-drop'), 0.01)
    .option('--threads <n>', 'ONNX Runtime threads per model', intFlag('--threads', 1, 256), 1)
    .option('--out <file>', 'where to write the choices as JSON', 'verde-out/calibration.json')
    .action(async (flags: CalibrateFlags) => {
      if (!flags.model && flags.cascade.length === 0) throw new UserError('calibrate: give --model DIR (early exit) and/or --cascade small=DIR,large=DIR');
      const { calibrateEarlyExit, calibrateCascade } = await import('../../serve/calibrate.js');
      const { writeJsonAtomic } = await import('../../util/atomic.js');
      const out: Record<string, unknown> = { data: flags.data, createdAt: new Date().toISOString() };
      const lines: string[] = [];
      if (flags.model) {
        const data = await readValidation(flags.data, flags.model, flags);
        // Without an absolute target, the full model's accuracy on this data sets it (one extra pass).
        const target = flags.targetAccuracy ?? (await calibrateEarlyExit(flags.model, data, 0, flags.threads)).fullAccuracy - flags.maxAccuracyDrop;
        const c = await calibrateEarlyExit(flags.model, data, target, flags.threads);
        out.earlyExit = { model: flags.model, targetAccuracy: target, ...c, computeSaved: 1 - c.meanStages / c.stages };
        lines.push(
          c.threshold === null
            ? `early exit (${flags.model}): no threshold keeps accuracy >= ${target.toFixed(4)} (full model ${c.fullAccuracy.toFixed(4)}); serve with --exit-threshold off`
            : `early exit (${flags.model}): threshold ${c.threshold.toFixed(4)} -> accuracy ${c.accuracy.toFixed(4)} (full model ${c.fullAccuracy.toFixed(4)}, target ${target.toFixed(4)}); ` +
              `answered at each exit ${c.exitShares.map(pct).join(' / ')}; stages run ${c.meanStages.toFixed(2)} of ${c.stages} (${pct(1 - c.meanStages / c.stages)} less)\n` +
              `  serve with: verde serve --model ${flags.model} --exit-threshold ${c.threshold.toFixed(4)}`,
        );
      }
      const cascades: unknown[] = [];
      for (const spec of flags.cascade) {
        const data = await readValidation(flags.data, spec.large, flags);
        const c = await calibrateCascade(spec.small, spec.large, data, flags.maxAccuracyDrop, flags.threads);
        cascades.push({ small: spec.small, large: spec.large, maxAccuracyDrop: flags.maxAccuracyDrop, ...c });
        lines.push(
          c.threshold === null
            ? `cascade (${spec.small} -> ${spec.large}): the small model cannot answer anything within ${flags.maxAccuracyDrop} of the large model's accuracy ${c.largeAccuracy.toFixed(4)}`
            : `cascade (${spec.small} -> ${spec.large}): threshold ${c.threshold.toFixed(4)} -> accuracy ${c.accuracy.toFixed(4)} (large ${c.largeAccuracy.toFixed(4)}, small alone ${c.smallAccuracy.toFixed(4)}); small model answers ${pct(c.smallShare)}\n` +
              `  serve with: verde serve --cascade small=${spec.small},large=${spec.large} --cascade-threshold ${c.threshold.toFixed(4)}`,
        );
      }
      if (cascades.length) out.cascades = cascades;
      await writeJsonAtomic(flags.out, out);
      process.stdout.write(lines.join('\n') + `\nwrote ${flags.out}\n`);
    });
}
