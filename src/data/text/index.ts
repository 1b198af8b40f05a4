/**
 * Text classification data for verde's text case: a local file (--data), a Hub dataset
 * (--dataset imdb), or the embedded offline default (SpamAssassin), subsampled into seeded,
 * stratified train / validation / test splits.
 */
import { UserError } from '../../util/errors.js';
import { readTextTable } from './files.js';
import { invalidUtf8Note, type InvalidUtf8Mode } from './utf8.js';
import { loadHubTextDataset, KNOWN_HUB_DATASETS } from './hub-datasets.js';
import { loadAnyHubDataset } from './hub-any-dataset.js';
import { looksLikeRepoId } from '../../hub/endpoint.js';
import { loadSpamAssassin, SPAM_ASSASSIN } from './spam-assassin.js';
import { makeSplits, type SplitOptions } from './split.js';
import type { TextSplits } from './types.js';

export { readTextTable, readTexts, tableFunctionFor, type ReadTextTableOptions, type ReadColumnsOptions } from './files.js';
export { INVALID_UTF8_MODES, invalidUtf8Flag, invalidUtf8Note, type InvalidUtf8Mode, type InvalidUtf8Counts } from './utf8.js';
export { loadSpamAssassin, SPAM_ASSASSIN } from './spam-assassin.js';
export { mailToText, htmlToText } from './mail.js';
export { loadHubTextDataset, KNOWN_HUB_DATASETS, hubDatasetCachePath, type HubTextDataset } from './hub-datasets.js';
export { loadAnyHubDataset } from './hub-any-dataset.js';
export { makeSplits, allocate, DEFAULT_SPLIT, type SplitOptions } from './split.js';
export { labelIds } from './labels.js';
export { seededUniform, shuffleInPlace } from '../../util/random.js';
export type { TextDataset, TextSplits } from './types.js';

export interface LoadTextDataOptions extends SplitOptions {
  /** A local CSV/TSV/JSONL/JSON/Parquet file. */
  data?: string;
  /** A dataset id: "imdb" (Hub, online), any Hub "org/name" (online, its Parquet conversion), or "spam-assassin" (embedded, the default). */
  dataset?: string;
  textCol?: string;
  labelCol?: string;
  /** --data records with invalid UTF-8: error (default), replace or skip; the count goes into the notes. */
  invalidUtf8?: InvalidUtf8Mode;
  env?: NodeJS.ProcessEnv;
}

export async function loadTextData(opts: LoadTextDataOptions = {}): Promise<TextSplits> {
  if (opts.data && opts.dataset) throw new UserError('--data and --dataset: give one or the other');
  if (opts.data) {
    const counts = { replaced: 0, skipped: 0 };
    const all = await readTextTable(opts.data, { textCol: opts.textCol, labelCol: opts.labelCol, invalidUtf8: opts.invalidUtf8, counts });
    const splits = makeSplits({ all }, opts);
    const note = invalidUtf8Note(opts.data, counts);
    if (note) splits.notes.push(note);
    return splits;
  }
  const id = (opts.dataset ?? SPAM_ASSASSIN).toLowerCase();
  if (id === SPAM_ASSASSIN || id === 'spamassassin') {
    const all = await loadSpamAssassin();
    const splits = makeSplits({ all }, opts, 'SpamAssassin public corpus (embedded)');
    if (all.dropped) splits.notes.push(`${all.dropped} SpamAssassin mails with no readable text were left out`);
    return splits;
  }
  if (id in KNOWN_HUB_DATASETS || Object.values(KNOWN_HUB_DATASETS).some((d) => d.repo === id)) return makeSplits(await loadHubTextDataset(id, opts.env), opts, `${id} (Hugging Face Hub)`);
  if (opts.dataset && looksLikeRepoId(opts.dataset) && opts.dataset.includes('/')) {
    const pools = await loadAnyHubDataset(opts.dataset, { textCol: opts.textCol, labelCol: opts.labelCol, env: opts.env });
    const name = `${opts.dataset} (Hugging Face Hub)`;
    return pools.test ? makeSplits({ train: pools.train, test: pools.test }, opts, name) : makeSplits({ all: pools.train }, opts, name);
  }
  return makeSplits(await loadHubTextDataset(id, opts.env), opts); // throws the "unknown dataset id" error
}
