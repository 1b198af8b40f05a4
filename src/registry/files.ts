/**
 * The file names of a model directory, in one place. A verde model directory holds the manifest
 * and the ONNX model (plus model-specific files: the GBDT's gbdt.json, the tokenizer's vocab.txt /
 * tokenizer.json); a Hugging Face model directory holds config.json and model.safetensors, which
 * `verde text` also writes beside its models so they load back as checkpoints.
 */
export const MANIFEST_FILE = 'verde.json';
export const MODEL_FILE = 'model.onnx';
/** Hugging Face's model configuration. */
export const CONFIG_FILE = 'config.json';
/** Hugging Face's weights. */
export const SAFETENSORS_FILE = 'model.safetensors';
