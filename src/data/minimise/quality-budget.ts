/**
 * --quality-budget of `verde data minimise`: the largest drop of the evaluator's metric a step may
 * cause before it is flagged. Its own module so that the CLI's help and parser take the default and
 * bounds from here without loading DuckDB.
 */
export const DEFAULT_QUALITY_BUDGET = 0.01;
export const QUALITY_BUDGET_BOUNDS = { min: 0, below: 1 } as const;
