import type { Command } from 'commander';
import { choiceFlag, numberFlag } from '../flags.js';
import { TEXT_DEFAULTS as T, TEXT_NUMBER_FLAGS as N } from '../../cases/text/defaults.js';
import { STORE_FLAG } from '../store-flag.js';
import { caseRegistryFlags } from '../registry-flags.js';
import { INVALID_UTF8_HELP, invalidUtf8Flag } from '../../data/text/utf8.js';
import type { TextCaseOptions } from '../../cases/text/options.js';
import type { TextRegistryFlags } from '../../govern/text-register.js';

/** Parsed flags: named as the case's options, but for --prune and --int8-bits, plus the CLI's own (registry, store). */
interface TextFlags extends Omit<TextCaseOptions, 'pruneAmount' | 'reduceRange' | 'print'>, TextRegistryFlags {
  out: string;
  prune?: number;
  int8Bits: string;
  store?: string;
}

export function registerText(program: Command): void {
  caseRegistryFlags(program
    .command('text')
    .description(
      "The guide's §6.1 case: train a DistilBERT text classifier (fine-tune --model, or a small one from\n" +
        'scratch), prune it (L1 30 % of Linear weights; structured 30 % of heads and FFN neurons), quantise\n' +
        'it (dynamic int8), evaluate every variant on the same test samples with energy and carbon, and\n' +
        'write DIR/results.json, DIR/results.csv and DIR/models/<variant>/ (loadable by verde predict/serve).\n' +
        'Beside it (§2.1, --classes) a linear model on hashed word/char n-grams with TF-IDF (models/linear/),\n' +
        'and which model class wins on energy per correct prediction for this data.\n' +
        'With no options: a 2-layer model from scratch on the embedded SpamAssassin corpus (offline).',
    )
    .option('--data <file>', 'CSV/TSV/JSONL/JSON/Parquet file with a text and a label column')
    .option('--dataset <id>', 'dataset id: spam-assassin (embedded, default) or imdb (Hugging Face Hub, online)')
    .option('--text-col <name>', 'text column of --data (default: text)')
    .option('--label-col <name>', 'label column of --data (default: label); any two or more classes')
    .option('--invalid-utf8 <mode>', `with --data: ${INVALID_UTF8_HELP}`, invalidUtf8Flag, 'error')
    .option('--model <dir|id>', 'Hugging Face DistilBERT directory or Hub id to fine-tune (e.g. distilbert-base-uncased)')
    .option('--from-scratch', 'train a new model sized by --layers/--dim/--heads/--hidden-dim (the default without --model)')
    .option('--layers <n>', `transformer layers (from scratch; default ${T.layers})`, numberFlag(...N.layers))
    .option('--dim <n>', `hidden size (from scratch; default ${T.dim})`, numberFlag(...N.dim))
    .option('--heads <n>', `attention heads, must divide --dim (from scratch; default ${T.heads})`, numberFlag(...N.heads))
    .option('--hidden-dim <n>', `FFN width (from scratch; default ${T.hiddenDim})`, numberFlag(...N.hiddenDim))
    .option('--train-size <n>', `training samples, stratified and seeded (default ${T.trainSize})`, numberFlag(...N.trainSize))
    .option('--test-size <n>', `test samples every variant is evaluated on (default ${T.testSize})`, numberFlag(...N.testSize))
    .option('--epochs <n>', `training epochs; early stopping with patience 1 keeps the best (default ${T.epochs})`, numberFlag(...N.epochs))
    .option('--batch-size <n>', `training batch size (default ${T.batchSize})`, numberFlag(...N.batchSize))
    .option('--max-length <n>', `tokens per text incl. [CLS]/[SEP]; longer texts are truncated (default ${T.maxLength})`, numberFlag(...N.maxLength))
    .option('--lr <x>', `peak learning rate, linear decay (default ${T.lrScratch} from scratch, ${T.lrFineTune} fine-tuning)`, numberFlag(...N.lr))
    .option('--seed <n>', `seed for sampling, initialisation, shuffling and dropout (default ${T.seed})`, numberFlag(...N.seed))
    .option('--prune <fraction>', `fraction pruned by both pruning methods (default ${T.pruneAmount})`, numberFlag(...N.pruneAmount))
    .option('--recovery-epochs <n>', `fine-tune epochs after structured pruning (default ${T.recoveryEpochs}; 0 for none)`, numberFlag(...N.recoveryEpochs))
    .option('--int8-bits <7|8|auto>', 'int8 weight range: auto picks 7-bit on x86 without VNNI, 8-bit elsewhere', 'auto')
    .option('--early-exit', 'also train exit heads after each layer (weighted loss, more weight early) and write exit stages into models/base/exits/')
    .option('--exit-threshold <p>', 'softmax confidence at which a sample leaves at an exit (default: chosen on the validation split, accuracy at most 0.01 below the full model; 0.9 without one)', numberFlag(...N.exitThreshold))
    .option('--classes <list>', 'model classes compared side by side (§2.1): transformer, linear (hashed word/char n-grams, TF-IDF), or both', 'transformer,linear')
    .option('--linear-epochs <n>', 'epochs of the linear model; the best validation epoch is kept (default 5)', numberFlag(...N.linearEpochs))
    .option('--country <iso3>', 'country for the grid carbon intensity, e.g. ESP (default: world average)')
    .option('--threads <n>', 'CPU threads for training and evaluation (default: ORT choice for training, 1 for evaluation)', numberFlag(...N.threads))
    .option('--out <dir>', 'output directory, replaced atomically when the run succeeds', T.out)
    .option(...STORE_FLAG), 'text-<variant>', 'accuracy=0.9')
    .option('--checkpoint-every <n>', 'save a resumable checkpoint in DIR.checkpoint/ every n optimiser steps and after each epoch (default 100; 0: epochs only)', numberFlag(...N.checkpointEvery))
    .option('--resume', 'continue the run killed or interrupted with the same --out and flags from its last checkpoint')
    .action(async (opts: TextFlags) => {
      // Everything but the CLI's own flags is a case option under the same name (the checkpoint's fingerprint takes them all).
      const { prune, int8Bits, store, register, registry, targetMetric, ...caseFlags } = opts;
      choiceFlag('--int8-bits', ['7', '8', 'auto'])(int8Bits);
      const g = await import('../../govern/text-register.js');
      const source = await g.textRegistryStart(opts, { data: opts.data, dataset: opts.dataset, trainSize: opts.trainSize ?? T.trainSize, seed: opts.seed ?? T.seed });
      const { runTextCase } = await import('../../cases/text/index.js');
      const startedAt = new Date().toISOString();
      const res = await runTextCase({ ...caseFlags, pruneAmount: prune, reduceRange: int8Bits === 'auto' ? 'auto' : int8Bits === '7' });
      if (opts.register && source) await g.registerTextRun(opts, source, res);
      const { recordWith, textRun } = await import('../../store/index.js');
      await recordWith(() => textRun(res.results, res.out, { ...opts }, startedAt, opts.country), store, { 'text-classification': res.results.dataset });
    });
}
