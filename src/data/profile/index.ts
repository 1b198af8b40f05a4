/** `verde data profile` and the file access `verde data minimise` shares with it. */
export { profileFile, profileTable, correlated, type DataProfile, type ColumnProfile, type ProfileOptions } from './profile.js';
export { formatProfile } from './format.js';
export { checkFile, sourceSql, formatOf, duckMessage, openDuck, queryObjects, describe, normalisedExpr, identifierLike, NUMERIC_TYPE, type DuckCon, type DataFormat } from './source.js';
