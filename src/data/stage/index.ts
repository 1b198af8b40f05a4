/** The fraud case's data stage on DuckDB: filtering, dedup, features, Parquet, time-ordered split. */
export { runDataStage, formatStageReport } from './run.js';
export type { StageOptions, StageResult, StageStep } from './run.js';
export { DEFAULT_FILTER_RULE, NON_FEATURE_COLUMNS, featuresSql } from './sql.js';
