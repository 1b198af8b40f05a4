/**
 * Tiny but real verde model directories, written as raw ONNX with onnx-proto, for the serving tests
 * and for `verde bench-serve` when no trained model is at hand. They are not trained: their weights
 * are set so that a few keywords decide the class, which makes their answers predictable (a test can
 * say which input is "easy" and exits early) while ONNX Runtime runs them like any other model.
 *
 * - text: embedding bag (mean of token embeddings under the attention mask) -> `layers` residual
 *   tanh layers of width `hidden` -> logits. With `earlyExit`, the same network is also cut into
 *   one stage per layer (`exits/exit-<k>.onnx`), each with its own exit head, per docs/serving.md.
 * - tabular: features -> MatMul + Add -> Softmax (a logistic regression over the features).
 */
import onnxProto from 'onnx-proto';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { tabularManifest, textManifest, writeManifest, type ModelManifest, type TabularFeature } from '../registry/manifest.js';
import { writeDirAtomic } from '../util/atomic.js';
import { mulberry32 } from '../util/random.js';
import { CONFIG_FILE, MODEL_FILE } from '../registry/files.js';

const { onnx } = onnxProto;
type Node = InstanceType<typeof onnx.NodeProto>;
type Tensor = InstanceType<typeof onnx.TensorProto>;

/** Words the tiny text models know, by the class they vote for. */
export const SPAM_WORDS = ['free', 'win', 'winner', 'prize', 'cash', 'offer', 'click', 'urgent', 'money', 'claim'];
export const HAM_WORDS = ['meeting', 'tomorrow', 'thanks', 'report', 'lunch', 'project', 'please', 'review', 'family', 'call'];
export const NEUTRAL_WORDS = ['the', 'a', 'to', 'you', 'and', 'of', 'is', 'for', 'on', 'this', 'now', 'today'];


function floatTensor(name: string, dims: number[], values: Float32Array): Tensor {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
  });
}

function int64Tensor(name: string, values: number[]): Tensor {
  const data = new BigInt64Array(values.map((v) => BigInt(v)));
  return onnx.TensorProto.create({
    name,
    dims: [values.length],
    dataType: onnx.TensorProto.DataType.INT64,
    rawData: new Uint8Array(data.buffer),
  });
}

function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, number | number[]> = {}): Node {
  const attribute = Object.entries(attrs).map(([name, v]) =>
    Array.isArray(v)
      ? onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v })
      : onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v }),
  );
  return onnx.NodeProto.create({ opType, input: inputs, output: outputs, attribute });
}

function valueInfo(name: string, elemType: number, dims: Array<number | string>) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function encodeModel(
  nodes: Node[],
  initializers: Tensor[],
  inputs: ReturnType<typeof valueInfo>[],
  outputs: ReturnType<typeof valueInfo>[],
): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'verde-tiny',
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'tiny', node: nodes, initializer: initializers, input: inputs, output: outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}

const F = onnx.TensorProto.DataType.FLOAT;
const I64 = onnx.TensorProto.DataType.INT64;

export interface TinyTextOptions {
  name?: string;
  /** Width of the hidden state (compute per token and per layer grows with it). */
  hidden?: number;
  /** Residual layers; with earlyExit, one exit stage per layer. */
  layers?: number;
  /** Logit scale of the final head; the exit head after layer k uses scale * (k + 1) / layers. */
  scale?: number;
  /** Also write exits/exit-<k>.onnx and manifest.earlyExit. */
  earlyExit?: boolean;
  exitThreshold?: number;
  maxLength?: number;
  seed?: number;
}

/** The tiny text model's vocabulary: BERT's special tokens, then the known words. */
export function tinyVocab(): string[] {
  return ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...SPAM_WORDS, ...HAM_WORDS, ...NEUTRAL_WORDS];
}

interface TextWeights {
  embedding: Float32Array; // [vocab, hidden]
  layers: Float32Array[]; // each [hidden, hidden]
  heads: Float32Array[]; // each [hidden, 2] (one per layer; the last is the final head)
}

function textWeights(vocab: string[], hidden: number, layers: number, scale: number, seed: number): TextWeights {
  const rand = mulberry32(seed);
  const embedding = new Float32Array(vocab.length * hidden);
  vocab.forEach((word, i) => {
    for (let d = 2; d < hidden; d++) embedding[i * hidden + d] = (rand() - 0.5) * 0.2;
    // Dimension 0 carries the "spam" evidence, dimension 1 the "ham" evidence.
    if (SPAM_WORDS.includes(word)) embedding[i * hidden] = 1;
    if (HAM_WORDS.includes(word)) embedding[i * hidden + 1] = 1;
  });
  const layerWeights: Float32Array[] = [];
  for (let l = 0; l < layers; l++) {
    const w = new Float32Array(hidden * hidden);
    // Columns 0 and 1 stay zero, so the residual keeps the evidence intact through every layer.
    for (let r = 0; r < hidden; r++) for (let c = 2; c < hidden; c++) w[r * hidden + c] = (rand() - 0.5) * (2 / Math.sqrt(hidden));
    layerWeights.push(w);
  }
  const heads: Float32Array[] = [];
  for (let l = 0; l < layers; l++) {
    const s = (scale * (l + 1)) / layers;
    const h = new Float32Array(hidden * 2);
    h[0 * 2 + 0] = -s; // ham logit falls with spam evidence
    h[0 * 2 + 1] = s; // spam logit rises with spam evidence
    h[1 * 2 + 0] = s;
    h[1 * 2 + 1] = -s;
    heads.push(h);
  }
  return { embedding, layers: layerWeights, heads };
}

/** Nodes that turn input_ids + attention_mask into the mean-pooled embedding `pooled` [B, hidden]. */
function embeddingBagNodes(): Node[] {
  return [
    node('Gather', ['embedding', 'input_ids'], ['tok'], { axis: 0 }), // [B,S,H]
    node('Cast', ['attention_mask'], ['maskf'], { to: F }), // [B,S]
    node('Unsqueeze', ['maskf', 'axis_last'], ['mask3']), // [B,S,1]
    node('Mul', ['tok', 'mask3'], ['masked']),
    node('ReduceSum', ['masked', 'axis_seq'], ['summed'], { keepdims: 0 }), // [B,H]
    node('ReduceSum', ['maskf', 'axis_seq'], ['count'], { keepdims: 1 }), // [B,1]
    node('Max', ['count', 'one'], ['count1']),
    node('Div', ['summed', 'count1'], ['pooled']),
  ];
}

function embeddingInitializers(w: TextWeights, vocabSize: number, hidden: number): Tensor[] {
  return [
    floatTensor('embedding', [vocabSize, hidden], w.embedding),
    int64Tensor('axis_last', [2]),
    int64Tensor('axis_seq', [1]),
    floatTensor('one', [], new Float32Array([1])),
  ];
}

/** Nodes of residual layer l: `${inp}` -> `${out}` = inp + tanh(inp @ W_l). */
function layerNodes(l: number, inp: string, out: string): Node[] {
  return [node('MatMul', [inp, `w${l}`], [`mm${l}`]), node('Tanh', [`mm${l}`], [`th${l}`]), node('Add', [inp, `th${l}`], [out])];
}

/** Write a tiny text-classification model directory (labels ham, spam) to `dir`. */
export async function writeTinyTextModel(dir: string, opts: TinyTextOptions = {}): Promise<ModelManifest> {
  const hidden = opts.hidden ?? 16;
  const layers = opts.layers ?? 2;
  const scale = opts.scale ?? 8;
  const vocab = tinyVocab();
  const w = textWeights(vocab, hidden, layers, scale, opts.seed ?? 7);
  const ids = valueInfo('input_ids', I64, ['batch', 'sequence']);
  const mask = valueInfo('attention_mask', I64, ['batch', 'sequence']);
  const logitsOut = valueInfo('logits', F, ['batch', 2]);
  // Stages hand their hidden state on as `hidden_out`, which the next stage takes as `hidden_in`.
  const hiddenOut = valueInfo('hidden_out', F, ['batch', hidden]);
  const hiddenIn = valueInfo('hidden_in', F, ['batch', hidden]);
  const layerInits = (l: number) => [floatTensor(`w${l}`, [hidden, hidden], w.layers[l]!)];

  // The full model: all layers, then the final head.
  const fullNodes: Node[] = [...embeddingBagNodes()];
  let h = 'pooled';
  for (let l = 0; l < layers; l++) {
    fullNodes.push(...layerNodes(l, h, `h${l + 1}`));
    h = `h${l + 1}`;
  }
  fullNodes.push(node('MatMul', [h, 'head'], ['logits']));
  const full = encodeModel(
    fullNodes,
    [...embeddingInitializers(w, vocab.length, hidden), ...Array.from({ length: layers }, (_, l) => layerInits(l)).flat(), floatTensor('head', [hidden, 2], w.heads[layers - 1]!)],
    [ids, mask],
    [logitsOut],
  );

  // The stages: stage k runs layer k and its exit head; stage 0 also embeds, later ones take hidden_state.
  const stages: Uint8Array[] = [];
  if (opts.earlyExit) {
    for (let l = 0; l < layers; l++) {
      const nodes: Node[] = l === 0 ? [...embeddingBagNodes()] : [];
      const inName = l === 0 ? 'pooled' : 'hidden_in';
      nodes.push(...layerNodes(l, inName, 'hidden_out'));
      nodes.push(node('MatMul', ['hidden_out', `head${l}`], ['logits']));
      const last = l === layers - 1;
      const inits = [...(l === 0 ? embeddingInitializers(w, vocab.length, hidden) : []), ...layerInits(l), floatTensor(`head${l}`, [hidden, 2], w.heads[l]!)];
      stages.push(encodeModel(nodes, inits, l === 0 ? [ids, mask] : [hiddenIn], last ? [logitsOut] : [logitsOut, hiddenOut]));
    }
  }

  const manifest: ModelManifest = {
    ...textManifest({ name: opts.name ?? 'tiny-text', onnx: full, labels: ['ham', 'spam'], maxLength: opts.maxLength ?? 64, doLowerCase: true, lineage: { technique: 'tiny-fixture', params: { hidden, layers, scale } } }),
    ...(opts.earlyExit ? { earlyExit: { stages: stages.map((_, k) => `exits/exit-${k}.onnx`), threshold: opts.exitThreshold ?? 0.9 } } : {}),
  };
  await writeDirAtomic(dir, async (tmp) => {
    await writeFile(join(tmp, MODEL_FILE), full);
    await writeFile(join(tmp, 'vocab.txt'), vocab.join('\n') + '\n');
    await writeFile(
      join(tmp, CONFIG_FILE),
      JSON.stringify({ model_type: 'verde-tiny', id2label: { 0: 'ham', 1: 'spam' }, label2id: { ham: 0, spam: 1 } }, null, 2) + '\n',
    );
    await writeFile(join(tmp, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true, model_max_length: manifest.text!.maxLength }) + '\n');
    if (stages.length > 0) {
      await mkdir(join(tmp, 'exits'));
      for (let k = 0; k < stages.length; k++) await writeFile(join(tmp, 'exits', `exit-${k}.onnx`), stages[k]!);
    }
    await writeManifest(tmp, manifest);
  });
  return manifest;
}

export interface TinyTabularOptions {
  name?: string;
  /** Logit scale: how confident the model is (a cascade's small model is the less confident one). */
  scale?: number;
  /** Look at `amount` only (a cascade's small model: right far from the boundary, unsure near it). */
  amountOnly?: boolean;
}

/** Features of the tiny tabular model: `amount` and `hour` numeric, `channel` categorical. */
export const TINY_TABULAR_FEATURES: TabularFeature[] = [
  { name: 'amount', type: 'numeric' },
  { name: 'hour', type: 'numeric' },
  { name: 'channel', type: 'categorical', categories: ['web', 'pos', 'atm'] },
];

/** Write a tiny tabular-classification model (labels legit, fraud): fraud rises with amount. */
export async function writeTinyTabularModel(dir: string, opts: TinyTabularOptions = {}): Promise<ModelManifest> {
  const s = opts.scale ?? 1;
  // logits = features @ W + b; W[amount] pushes to fraud, W[hour] slightly, channel index slightly.
  const k = opts.amountOnly ? 0 : 1;
  const W = new Float32Array([-0.01 * s, 0.01 * s, 0, 0.02 * s * k, 0, 0.1 * s * k]);
  const b = new Float32Array([2 * s, -2 * s]);
  const model = encodeModel(
    [
      // A missing value (NaN) counts as 0, as a tree model's default branch would decide for it.
      node('IsNaN', ['features'], ['missing']),
      node('Where', ['missing', 'zero', 'features'], ['filled']),
      node('MatMul', ['filled', 'W'], ['mm']),
      node('Add', ['mm', 'b'], ['logits']),
      node('Softmax', ['logits'], ['probabilities'], { axis: -1 }),
    ],
    [floatTensor('W', [3, 2], W), floatTensor('b', [2], b), floatTensor('zero', [], new Float32Array([0]))],
    [valueInfo('features', F, ['batch', 3])],
    [valueInfo('probabilities', F, ['batch', 2])],
  );
  const manifest = tabularManifest({ name: opts.name ?? 'tiny-tabular', onnx: model, labels: ['legit', 'fraud'], features: TINY_TABULAR_FEATURES, lineage: { technique: 'tiny-fixture', params: { scale: s, amountOnly: Boolean(opts.amountOnly) } } });
  await writeDirAtomic(dir, async (tmp) => {
    await writeFile(join(tmp, MODEL_FILE), model);
    await writeManifest(tmp, manifest);
  });
  return manifest;
}
