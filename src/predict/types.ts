/** What `verde predict` (and anything else that classifies text with a saved model) works with. */

export interface Prediction {
  text: string;
  /** Name of the most probable class. */
  label: string;
  labelId: number;
  /** Class probabilities in label-id order (softmax of the logits). */
  probabilities: number[];
}

export interface Predictor {
  /** 'verde': a verde model directory (model.onnx); 'hf': a Hugging Face DistilBERT directory. */
  kind: 'verde' | 'hf';
  /** Class names in id order. */
  labels: string[];
  /** One line for humans: what model this is and where it came from. */
  description: string;
  predict(texts: string[]): Promise<Prediction[]>;
  close(): Promise<void>;
}

export interface PredictorOptions {
  /** Texts per ONNX Runtime call (default 16); texts are grouped by length to keep padding small. */
  batchSize?: number;
  /** Override the model's max_length (tokens, with [CLS]/[SEP]); never above its position table. */
  maxLength?: number;
  /** ONNX Runtime intra-op threads (default: ORT's choice). */
  threads?: number;
}
