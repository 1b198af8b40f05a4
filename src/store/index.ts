/** The run store: every verde run recorded in one SQLite file, for `verde runs` and `verde report`. */
export * from './types.js';
export { openStore, storePath, DEFAULT_STORE, STORE_ENV, SCHEMA_VERSION, MIGRATIONS } from './db.js';
export { saveRun, saveRuns, listRuns, getRun, selectRuns, type RunSummary } from './runs.js';
export { baseRun, gitCommit, hardwareNow, phaseOf } from './context.js';
export { textRun, fraudRun, meterRun, benchRun, calibrateRun, serveRun, textParts, fraudParts, fraudDataset } from './from-cases.js';
export { recordRun, recordWith } from './record.js';
export { updateModelCards } from './cards.js';
export { readCodeCarbonCsv } from './import-codecarbon.js';
export { runsListText, runShowText, runsDiffText } from './runs-text.js';
