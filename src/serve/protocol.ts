/**
 * Messages between the server (main thread) and an inference worker. One worker holds the ONNX
 * Runtime sessions of one model directory and runs one batch at a time, so `session.run` never
 * blocks the event loop that answers HTTP.
 */
import type { ModelManifest } from '../registry/manifest.js';

export interface WorkerInit {
  dir: string;
  manifest: ModelManifest;
  /** ONNX Runtime intra-op threads for this model's sessions. */
  threads: number;
  /** Run the early-exit stages (when the model has them) with this softmax threshold; null: run model.onnx. */
  exitThreshold: number | null;
}

/**
 * One batch: text rows are the texts (the worker tokenizes them with the model's own tokenizer,
 * truncating to the manifest's maxLength, so tokenising too stays off the event loop); tabular rows
 * are feature vectors in manifest order.
 */
export type BatchRows = { kind: 'text'; texts: string[] } | { kind: 'tabular'; features: Float32Array[] };

/** How many rows a batch holds. */
export function rowCount(rows: BatchRows): number {
  return rows.kind === 'text' ? rows.texts.length : rows.features.length;
}

/** Rows [start, end) of a batch (calibration chunks, worker-group shards). */
export function sliceRows(rows: BatchRows, start: number, end: number): BatchRows {
  return rows.kind === 'text' ? { kind: 'text', texts: rows.texts.slice(start, end) } : { kind: 'tabular', features: rows.features.slice(start, end) };
}

/** The rows `keep` of a batch, in that order (a cascade's unsure rows). */
export function takeRows(rows: BatchRows, keep: number[]): BatchRows {
  return rows.kind === 'text' ? { kind: 'text', texts: keep.map((i) => rows.texts[i]!) } : { kind: 'tabular', features: keep.map((i) => rows.features[i]!) };
}

export interface RunRequest {
  type: 'run';
  id: number;
  rows: BatchRows;
  /** Calibration: run every row through every stage and return each stage's probabilities. */
  traceStages?: boolean;
}

/** Finish the batches in hand, then exit. */
export interface CloseRequest {
  type: 'close';
}

/**
 * Tests only (honoured when VERDE_SERVE_TEST_FAULTS=die): the worker throws, uncaught, and its
 * thread dies holding the batches it has not answered — a worker death from inside the thread.
 * Killing a worker from outside with terminate() while its ONNX Runtime run is on the stack makes
 * onnxruntime-node throw a C++ Napi::Error that aborts the whole process, which verde itself never
 * does (close() waits) and a test must not either.
 */
export interface DieRequest {
  type: 'die';
}

export type WorkerRequest = RunRequest | CloseRequest | DieRequest;

export interface RunResult {
  type: 'result';
  id: number;
  /** Row-major [rows, labels] class probabilities. */
  probabilities: Float32Array;
  /** Per row, the index of the early-exit stage that answered; empty when the model ran whole. */
  exits: Int32Array;
  /** Padded sequence length of a text batch (0 for tabular). */
  paddedLength: number;
  /** With traceStages: per stage, row-major [rows, labels] probabilities. */
  stageProbabilities?: Float32Array[];
  /** Per row, the worker thread's CPU seconds spent on it (each stage's time split over the rows it ran): what energy is apportioned by. */
  rowCpuS?: Float64Array;
}

export interface RunError {
  type: 'error';
  id: number;
  message: string;
}

export type WorkerReply = RunResult | RunError | { type: 'ready'; stages: number } | { type: 'fatal'; message: string };
