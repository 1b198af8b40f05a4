/** Text classification data as verde's text pipeline consumes it. */

export interface TextDataset {
  /** Where it came from, for reports and errors: a file path, "spam-assassin", "imdb:train". */
  source: string;
  texts: string[];
  /** Class id of each text (index into labelNames). */
  labels: number[];
  /** Class names in id order (sorted: stable whatever the row order of the file). */
  labelNames: string[];
}

export interface TextSplits {
  train: TextDataset;
  /** Held out from train, for evaluation each epoch and early stopping. */
  validation: TextDataset;
  test: TextDataset;
  labelNames: string[];
  /** Human-readable description of where the data came from and how it was sampled. */
  description: string;
  seed: number;
  /** Things the user should know (sizes reduced to fit the data, rows dropped, ...). */
  notes: string[];
}
