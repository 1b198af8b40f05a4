/** The shape of a model directory's manifest (`verde.json`); manifest.ts reads and writes it. */
import type { FeatureSpec } from '../tabular/dataset.js';

export type ModelTask = 'text-classification' | 'tabular-classification';

/** A tabular model's input feature, as the tabular dataset describes it. */
export type TabularFeature = FeatureSpec;

/** verde.json's `featuriser` (the same shape as tokenizers/hashed-ngrams.ts's HashedNgramSpec). */
export interface TextFeaturiser {
  kind: 'hashed-ngrams';
  wordNgrams: [number, number];
  charNgrams: [number, number];
  hashDim: number;
  lowercase: boolean;
  idf: { file: string; initializer: string };
}

export interface ModelManifest {
  format: 'verde-model';
  formatVersion: 1;
  name: string;
  /** Unique id of this exact model: creation time plus the first 12 hex of model.onnx's sha256. */
  version: string;
  task: ModelTask;
  labels: string[];
  createdAt: string;
  text?: { maxLength: number; doLowerCase: boolean };
  /**
   * Text models that take hashed n-gram ids instead of WordPiece ids (the linear text model):
   * how a text becomes ids (tokenizers/hashed-ngrams.ts); absent: the directory's tokenizer.
   */
  featuriser?: TextFeaturiser;
  tabular?: { features: TabularFeature[] };
  io: { inputs: string[]; output: string; outputKind: 'logits' | 'probabilities' };
  lineage?: { parent?: string; technique?: string; dataset?: string; params?: Record<string, unknown> };
  /** threshold null: stages written, early exit off unless `verde serve --exit-threshold` says otherwise. */
  earlyExit?: { stages: string[]; threshold: number | null };
}
