/** What `runTextCase` takes (the `verde text` flags); its own module so checkpoint.ts can name it without a loop. */
export interface TextCaseOptions {
  data?: string;
  dataset?: string;
  textCol?: string;
  labelCol?: string;
  /** --data records with invalid UTF-8: error (default), replace or skip (counted in the notes). */
  invalidUtf8?: import('../../data/text/utf8.js').InvalidUtf8Mode;
  /** HF model directory or Hub id to fine-tune; absent: train from scratch. */
  model?: string;
  fromScratch?: boolean;
  layers?: number;
  dim?: number;
  heads?: number;
  hiddenDim?: number;
  trainSize?: number;
  testSize?: number;
  epochs?: number;
  batchSize?: number;
  maxLength?: number;
  lr?: number;
  seed?: number;
  out?: string;
  country?: string;
  threads?: number;
  /** Fraction pruned (L1 per Linear; heads and neurons for structured). Default 0.3. */
  pruneAmount?: number;
  /** Recovery fine-tune epochs after structured pruning (default 1). */
  recoveryEpochs?: number;
  /** 'auto' (default: from the CPU flags), true: 7-bit weights, false: 8-bit. */
  reduceRange?: 'auto' | boolean;
  /** Train exit heads after every layer but the last and write exit stages into models/base/exits/. */
  earlyExit?: boolean;
  /** Softmax confidence at which a sample leaves at an exit (default 0.9). */
  exitThreshold?: number;
  /** Model classes to train and compare (§2.1): transformer, linear, or both (default: both). */
  classes?: string | readonly string[];
  /** Epochs of the linear model (default 5; the best validation epoch is kept). */
  linearEpochs?: number;
  /** Print the table (default true). */
  print?: boolean;
  /** Continue the run checkpointed beside `out` (refused when there is none or the flags/data differ). */
  resume?: boolean;
  /** Optimiser steps between checkpoints (0: only after each epoch). */
  checkpointEvery?: number;
}
