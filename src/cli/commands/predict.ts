import type { Command } from 'commander';
import { UserError } from '../../util/errors.js';
import { intFlag } from '../flags.js';
import type { TabularPredictor } from '../../predict/tabular-predictor.js';
import { INVALID_UTF8_HELP, invalidUtf8Flag, invalidUtf8Note, type InvalidUtf8Counts, type InvalidUtf8Mode } from '../../data/text/utf8.js';

interface PredictFlags {
  model: string;
  text?: string[];
  data?: string;
  textCol: string;
  invalidUtf8: InvalidUtf8Mode;
  json?: boolean;
  out?: string;
  batchSize: string;
  maxLength?: string;
  threads?: string;
  country?: string;
}

/** Run `fn` under the energy meter (the prediction work only: model loading is not counted). */
/** Run the predictions under the meter: their result, the energy line, and their own time (not the meter's start/stop). */
async function metered<T>(fn: () => Promise<T>, country?: string): Promise<{ result: T; line: string; ms: number }> {
  const { measure, formatEnergy } = await import('../../meter/index.js');
  let ms = 0;
  const { result, energy } = await measure(async () => {
    const started = performance.now();
    const r = await fn();
    ms = performance.now() - started;
    return r;
  }, { country, intervalMs: 250 });
  const co2 = energy.co2eGrams >= 1 ? `${energy.co2eGrams.toFixed(3)} g` : `${(energy.co2eGrams * 1000).toFixed(3)} mg`;
  return { ms, result, line: `energy ${formatEnergy(energy.energyJ)} (${energy.method}), ${co2} CO2e at ${energy.carbonIntensityGPerKWh.toFixed(0)} g/kWh (${energy.carbonIntensitySource})` };
}

/** One line for a human: label, its probability, all probabilities, the start of the text. */
function predictionLine(p: { text: string; label: string; probabilities: number[] }, labels: string[], width: number): string {
  const probs = labels.map((l, i) => `${l} ${p.probabilities[i]!.toFixed(3)}`).join(', ');
  const flat = p.text.replace(/\s+/g, ' ').trim();
  const shown = flat.length > 70 ? `${flat.slice(0, 69)}…` : flat;
  return `${p.label.padEnd(width)}  ${p.probabilities[labels.indexOf(p.label)]!.toFixed(3)}  (${probs})  ${JSON.stringify(shown)}`;
}

async function predictTabular(predictor: TabularPredictor, flags: PredictFlags): Promise<void> {
  try {
    if (!flags.data) {
      throw new UserError(`--text: ${predictor.description} is a tabular model; pass --data FILE with the columns ${predictor.features.map((f) => f.name).join(', ')}`);
    }
    const counts: InvalidUtf8Counts = { replaced: 0, skipped: 0 };
    const { result: predictions, line: energyLine, ms } = await metered(() => predictor.predictFile(flags.data!, { invalidUtf8: flags.invalidUtf8, counts }), flags.country);
    const rows = predictions.map((p) => ({ row: p.row, label: p.label, probabilities: p.probabilities }));
    if (flags.out) {
      const { writeJsonAtomic } = await import('../../util/atomic.js');
      await writeJsonAtomic(flags.out, rows);
    }
    if (flags.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    else {
      const width = Math.max(...predictor.labels.map((l) => l.length));
      for (const p of predictions) {
        const probs = predictor.labels.map((l, i) => `${l} ${p.probabilities[i]!.toFixed(3)}`).join(', ');
        process.stdout.write(`row ${p.row}  ${p.label.padEnd(width)}  ${p.probabilities[p.labelId]!.toFixed(3)}  (${probs})\n`);
      }
    }
    process.stderr.write(`verde predict: ${predictor.description}; ${rows.length} rows in ${ms.toFixed(0)} ms; ${energyLine}${flags.out ? `; wrote ${flags.out}` : ''}\n`);
    const note = invalidUtf8Note(flags.data, counts);
    if (note) process.stderr.write(`verde predict: ${note}\n`);
  } finally {
    await predictor.close();
  }
}

export function registerPredict(program: Command): void {
  program
    .command('predict')
    .description(
      'Classify texts with a saved model and print, per input, the label and the class probabilities.\n' +
        'The model is a verde model directory (verde.json + model.onnx, as `verde text` writes under\n' +
        'DIR/models/<variant>/), a Hugging Face DistilBERT directory (config.json, model.safetensors,\n' +
        'vocab.txt), or a Hub id fetched into the cache when online.\n' +
        'Examples: verde predict --model out/models/int8 --text "Win a FREE cruise now!" --text "Lunch at 1?"\n' +
        '          verde predict --model out/models/base --data mails.csv --text-col body --json',
    )
    .requiredOption('--model <dir|id>', 'verde model directory, Hugging Face model directory, or Hub id')
    .option('--text <text>', 'a text to classify; repeat the flag for several', (v: string, acc: string[] | undefined) => [...(acc ?? []), v])
    .option('--data <file>', 'classify every row of a CSV, TSV, JSONL, JSON or Parquet file instead (tabular models: the file\'s columns named like the model\'s features)')
    .option('--text-col <name>', 'with --data: the column holding the text', 'text')
    .option('--invalid-utf8 <mode>', `with --data: ${INVALID_UTF8_HELP}`, invalidUtf8Flag, 'error')
    .option('--json', 'print a JSON array of {text, label, probabilities} (probabilities in label-id order)')
    .option('--out <file>', 'also write the predictions as JSON to this file')
    .option('--batch-size <n>', 'texts per ONNX Runtime call (grouped by length to keep padding small)', '16')
    .option('--max-length <n>', 'truncate texts to this many tokens, [CLS]/[SEP] included (default: the model\'s)')
    .option('--threads <n>', 'ONNX Runtime threads (default: all cores)')
    .option('--country <ISO3>', 'grid carbon intensity for the energy line on stderr (ESP, FRA, ...); default: world average')
    .action(async (flags: PredictFlags) => {
      flags.text ??= [];
      if (flags.text.length && flags.data) throw new UserError('--text and --data: give one or the other');
      if (!flags.text.length && !flags.data) throw new UserError('predict: give --text "..." (repeatable) or --data FILE');
      flags.text.forEach((t, i) => {
        if (t.trim() === '') throw new UserError(`--text (#${i + 1}): empty text`);
      });
      const batchSize = intFlag('--batch-size', 1)(flags.batchSize);
      // At least 2: [CLS] and [SEP].
      const maxLength = flags.maxLength !== undefined ? intFlag('--max-length', 2)(flags.maxLength) : undefined;
      const threads = flags.threads !== undefined ? intFlag('--threads', 1)(flags.threads) : undefined;
      if (flags.country !== undefined) (await import('../../meter/index.js')).requireCountry(flags.country);

      const { openModel } = await import('../../predict/index.js');
      const opened = await openModel(flags.model, { batchSize, maxLength, threads });
      if (opened.task === 'tabular-classification') {
        await predictTabular(opened.predictor, flags);
        return;
      }
      const predictor = opened.predictor;
      try {
        const counts: InvalidUtf8Counts = { replaced: 0, skipped: 0 };
        const texts = flags.data ? await (await import('../../data/text/files.js')).readTexts(flags.data, flags.textCol, { invalidUtf8: flags.invalidUtf8, counts }) : flags.text;
        const { result: predictions, line: energyLine, ms } = await metered(() => predictor.predict(texts), flags.country);
        const rows = predictions.map((p) => ({ text: p.text, label: p.label, probabilities: p.probabilities }));
        if (flags.out) {
          const { writeJsonAtomic } = await import('../../util/atomic.js');
          await writeJsonAtomic(flags.out, rows);
        }
        if (flags.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        } else {
          const width = Math.max(...predictor.labels.map((l) => l.length));
          for (const p of predictions) process.stdout.write(predictionLine(p, predictor.labels, width) + '\n');
        }
        process.stderr.write(
          `verde predict: ${predictor.description}; ${texts.length} text${texts.length === 1 ? '' : 's'} in ${ms.toFixed(0)} ms` +
            ` (${(ms / texts.length).toFixed(1)} ms each, batches of ${batchSize}); ${energyLine}${flags.out ? `; wrote ${flags.out}` : ''}\n`,
        );
        const note = flags.data ? invalidUtf8Note(flags.data, counts) : '';
        if (note) process.stderr.write(`verde predict: ${note}\n`);
      } finally {
        await predictor.close();
      }
    });
}
