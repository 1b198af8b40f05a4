/**
 * verde's energy and carbon meter. Start a Tracker (or wrap a function in measure()), open spans
 * for stages or batches, and write the results as CodeCarbon-compatible emissions.csv, a JSON
 * summary, or Prometheus text. Every figure carries its method (measured:rapl, measured:nvml,
 * modelled:tdp, ...); see docs/meter.md for sources, formulas and constants.
 */
export type { EnergyMethod, Component, ComponentEnergy, SpanReport, SpanTotal, EnergyReport, MachineInfo } from './types.js';
export type { MeterOptions } from './options.js';
export { Tracker, Span, methodSummary } from './tracker.js';
export { measure } from './measure.js';
export { carbonFromTable, resolveCarbon, lookupCountry, requireCountry, WORLD_DEFAULT_G_PER_KWH, type CarbonIntensity } from './carbon/lookup.js';
export {
  CODECARBON_COLUMNS,
  CODECARBON_UNITS,
  codeCarbonRow,
  codeCarbonHeaderLine,
  codeCarbonRowLine,
  appendEmissionsCsv,
  checkEmissionsCsv,
} from './outputs/codecarbon-csv.js';
export { jsonSummary, writeJsonSummary, type JsonSummary } from './outputs/json-summary.js';
export { prometheusText, metricFamily, PROMETHEUS_CONTENT_TYPE } from './outputs/prometheus.js';
export { pushMetrics, pushLine, pushTarget, pushUrlProblem, PUSH_TIMEOUT_MS, type PushResult } from './outputs/pushgateway.js';
export { summaryText, spanLine, formatEnergy } from './outputs/summary-text.js';
export { writeRunOutputs, runFiles, type RunFiles } from './outputs/write-run.js';
export { detectSources, type DetectReport, type SourceStatus } from './detect.js';
export { measureCommand, findExecutable, checkWritableDir, type CommandRun } from './run-command.js';
