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
import { cascadeFlag, exitThresholdFlag } from '../serve-flags.js';
import { STORE_FLAG } from '../store-flag.js';
import type { CascadeSpec } from '../../serve/options.js';
import { MANIFEST_FILE } from '../../registry/files.js';
import { INVALID_UTF8_HELP, invalidUtf8Flag, invalidUtf8Note, type InvalidUtf8Counts, type InvalidUtf8Mode } from '../../data/text/utf8.js';

interface CalibrateFlags {
  store?: string;
  data: string;
  labelCol: string;
  textCol: string;
  invalidUtf8: InvalidUtf8Mode;
  model?: string;
  cascade: CascadeSpec[];
  targetAccuracy?: number;
  maxAccuracyDrop: number;
  exitThreshold?: number | 'off';
  threads: number;
  out: string;
}

/** The validation rows as the model's inference worker takes them, and their labels (checked). */
async function readValidation(file: string, dir: string, flags: CalibrateFlags, counts: InvalidUtf8Counts) {
  const { openModelDir } = await import('../../registry/model-dir.js');
  const { readColumns, checkText } = await import('../../data/text/files.js');
  const { manifest: m, manifestPath } = await openModelDir(dir); // checked against model.onnx before any worker starts
  const label = { name: flags.labelCol, flag: '--label-col' };
  let rows: import('../../serve/protocol.js').BatchRows;
  let raw: (string | null)[][];
  if (m.task === 'text-classification') {
    raw = await readColumns(file, [{ name: flags.textCol, flag: '--text-col' }, label], { invalidUtf8: flags.invalidUtf8, counts });
    rows = { kind: 'text', texts: raw.map((r, i) => checkText(file, flags.textCol, i, r[0])) };
  } else {
    const { featureValue } = await import('../../predict/tabular-predictor.js');
    const features = m.tabular!.features;
    raw = await readColumns(file, [...features.map((f) => ({ name: f.name, flag: `a feature of ${manifestPath}` })), label], { invalidUtf8: flags.invalidUtf8, counts });
    rows = { kind: 'tabular', features: raw.map((r, i) => Float32Array.from(features, (f, j) => featureValue(r[j] ?? null, f, file, i + 1))) };
  }
  if (raw.length === 0) throw new UserError(`${file}: has no rows`);
  const labels = raw.map((r, i) => {
    const l = r[r.length - 1];
    if (typeof l !== 'string' || l.trim() === '') throw new UserError(`${file}: record ${i + 1}: field "${flags.labelCol}" (--label-col) is empty`);
    if (!m.labels.includes(l.trim())) throw new UserError(`${file}: record ${i + 1}: field "${flags.labelCol}" (--label-col) is "${l.trim()}", not one of the model's labels (${m.labels.join(', ')})`);
    return l.trim();
  });
  return { rows, labels };
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description(
      'Choose serving thresholds on labelled validation data (guide §3.4.1), running\n' +
        'the models as `verde serve` does.\n' +
        '--model DIR (trained with `verde text --early-exit`): the early-exit threshold\n' +
        'that runs the fewest stages while accuracy stays at the target.\n' +
        '--cascade small=DIR,large=DIR: the threshold at which the small model answers\n' +
        'the most while the cascade keeps the target.\n' +
        'The target is --target-accuracy, else the full (or large) model\'s accuracy on\n' +
        'this data minus --max-accuracy-drop. Prints the `verde serve` flags to use and\n' +
        'writes the choices to --out. Use data the models were not trained on.\n' +
        'Example: verde calibrate --model verde-out/text/models/base --data valid.csv',
    )
    .requiredOption('--data <file>', 'labelled validation data: CSV, TSV, JSON, JSONL or Parquet')
    .option('--label-col <name>', 'column with the true labels (values as the model\'s labels)', 'label')
    .option('--text-col <name>', 'column with the texts (text models)', 'text')
    .option('--invalid-utf8 <mode>', INVALID_UTF8_HELP, invalidUtf8Flag, 'error')
    .option('--model <dir>', 'a model with early-exit stages (verde.json "earlyExit")')
    .option('--cascade <spec>', 'small=DIR,large=DIR: a cascade to calibrate (repeatable)', cascadeFlag, [])
    .option('--target-accuracy <p>', 'accuracy to keep on this data (default: the full or large model\'s minus --max-accuracy-drop)', probabilityFlag('--target-accuracy'))
    .option('--max-accuracy-drop <d>', 'largest accuracy loss allowed against the full (or large) model', probabilityFlag('--max-accuracy-drop'), 0.01)
    .option('--exit-threshold <p|off>', 'cascades: the early-exit threshold their models run with, as for `verde serve` (default: each model\'s own)', exitThresholdFlag)
    .option('--threads <n>', 'ONNX Runtime threads per model', intFlag('--threads', 1, 256), 1)
    .option('--out <file>', 'where to write the choices as JSON', 'verde-out/calibration.json')
    .option(...STORE_FLAG)
    .action(async (flags: CalibrateFlags) => {
      if (!flags.model && flags.cascade.length === 0) throw new UserError('calibrate: give --model DIR (early exit) and/or --cascade small=DIR,large=DIR');
      const { calibrateEarlyExit, calibrateCascade } = await import('../../evaluate/calibrate.js');
      const { writeJsonAtomic } = await import('../../util/atomic.js');
      const target = flags.targetAccuracy ?? { maxDrop: flags.maxAccuracyDrop };
      const out: Record<string, unknown> = { data: flags.data, createdAt: new Date().toISOString() };
      const startedAt = out.createdAt as string;
      const lines: string[] = [];
      if (flags.model) {
        const counts: InvalidUtf8Counts = { replaced: 0, skipped: 0 };
        const data = await readValidation(flags.data, flags.model, flags, counts);
        const note = invalidUtf8Note(flags.data, counts);
        if (note) lines.push(note);
        const c = await calibrateEarlyExit(flags.model, data, target, flags.threads);
        // Thresholds are printed in full: the chosen value sits between two confidences seen.
        out.earlyExit = { model: flags.model, ...c, stageRunsSaved: 1 - c.meanStages / c.stages };
        lines.push(
          c.threshold === null
            ? `early exit (${flags.model}): only running every stage keeps accuracy >= ${c.targetAccuracy.toFixed(4)} (full model ${c.fullAccuracy.toFixed(4)}); serve with --exit-threshold off`
            : `early exit (${flags.model}): threshold ${c.threshold} -> accuracy ${c.accuracy.toFixed(4)} (full model ${c.fullAccuracy.toFixed(4)}, target ${c.targetAccuracy.toFixed(4)}); ` +
              `answered at each exit ${c.exitShares.map(pct).join(' / ')}; stages run ${c.meanStages.toFixed(2)} of ${c.stages} (${pct(1 - c.meanStages / c.stages)} fewer)\n` +
              `  serve with: verde serve --model ${flags.model} --exit-threshold ${c.threshold}`,
        );
      }
      const exitFlag = flags.exitThreshold === undefined ? undefined : flags.exitThreshold === 'off' ? null : flags.exitThreshold;
      const exitArg = flags.exitThreshold === undefined ? '' : ` --exit-threshold ${flags.exitThreshold}`;
      const cascades: unknown[] = [];
      for (const spec of flags.cascade) {
        const counts: InvalidUtf8Counts = { replaced: 0, skipped: 0 };
        const data = await readValidation(flags.data, spec.large, flags, counts);
        const note = invalidUtf8Note(flags.data, counts);
        if (note && !lines.includes(note)) lines.push(note);
        const c = await calibrateCascade(spec.small, spec.large, data, target, flags.threads, exitFlag);
        cascades.push({ small: spec.small, large: spec.large, exitThreshold: flags.exitThreshold ?? 'each model\'s own', ...c });
        lines.push(
          c.threshold === null
            ? `cascade (${spec.small} -> ${spec.large}): the small model can answer nothing while keeping accuracy >= ${c.targetAccuracy.toFixed(4)} (large ${c.largeAccuracy.toFixed(4)}); serve the large model alone`
            : `cascade (${spec.small} -> ${spec.large}): threshold ${c.threshold} -> accuracy ${c.accuracy.toFixed(4)} (large ${c.largeAccuracy.toFixed(4)}, small alone ${c.smallAccuracy.toFixed(4)}, target ${c.targetAccuracy.toFixed(4)}); small model answers ${pct(c.smallShare)}\n` +
              `  serve with: verde serve --cascade small=${spec.small},large=${spec.large} --cascade-threshold ${c.threshold}${exitArg}`,
        );
      }
      if (cascades.length) out.cascades = cascades;
      await writeJsonAtomic(flags.out, out);
      process.stdout.write(lines.join('\n') + `\nwrote ${flags.out}\n`);
      const { recordRun, calibrateRun } = await import('../../store/index.js');
      recordRun(calibrateRun(out, { ...flags }, startedAt), flags.store);
    });
}
