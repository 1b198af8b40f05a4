/** Tabular files (CSV/Parquet with a label column) -> numeric matrices for the GBDT and the MLP. */
export { readTabular } from './read.js';
export type { TabularFile, TabularReadOptions, TabularReport, TabularSchema } from './read.js';
export { MISSING_TOKENS, MAX_CATEGORIES } from './columns.js';
export { splitRecord, readCsvRecords } from './csv.js';
export { selectRows } from './subset.js';
