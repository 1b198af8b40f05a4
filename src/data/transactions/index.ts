/** Synthetic card transactions for the fraud case (guide §5; rule-based synthesis, §1.5.1). */
export { Prng, mixSeeds } from '../../util/random.js';
export { generateTransactionDays, resolveOptions } from './simulate.js';
export type { Transaction, GenerateOptions, GenerateStats, FraudPattern } from './simulate.js';
export { writeTransactions, TRANSACTION_COLUMNS, LABEL_COLUMN, CSV_HEADER, csvLine, formatTimestamp, readTransactionsCsvSql } from './write.js';
export type { WriteResult } from './write.js';
export { haversineKm, BASE_CATEGORIES } from './world.js';
