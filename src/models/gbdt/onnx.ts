/**
 * Export to ONNX: one ai.onnx.ml TreeEnsembleClassifier (opset ai.onnx.ml 3). Numeric splits are
 * BRANCH_LT on the float32 threshold (left when x < t, which is `bin <= b` in training), categorical
 * one-vs-rest splits are BRANCH_EQ on the category index, and NaN follows
 * nodes_missing_value_tracks_true (the learned default side). The true branch is the left child.
 * The base score is folded into the first tree's leaves. Every leaf votes for class id 0 with two
 * class labels: ONNX Runtime's "binary case", where post_transform LOGISTIC yields [1 - p, p]
 * (votes for class id 1 would instead give [0.5, p]: checked against ORT in test/gbdt). Input `features` float32 [batch, nFeatures]; outputs `label` int64
 * [batch] and `probabilities` float32 [batch, 2].
 */
import onnxProto from 'onnx-proto';
import type { GbdtModel } from './types.js';

const { onnx } = onnxProto;
const AT = onnx.AttributeProto.AttributeType;

type Attr = InstanceType<typeof onnx.AttributeProto>;

function ints(name: string, v: number[]): Attr {
  return onnx.AttributeProto.create({ name, type: AT.INTS, ints: v });
}
function floats(name: string, v: number[]): Attr {
  return onnx.AttributeProto.create({ name, type: AT.FLOATS, floats: v });
}
function strings(name: string, v: string[]): Attr {
  return onnx.AttributeProto.create({ name, type: AT.STRINGS, strings: v.map((s) => new TextEncoder().encode(s)) });
}
function str(name: string, v: string): Attr {
  return onnx.AttributeProto.create({ name, type: AT.STRING, s: new TextEncoder().encode(v) });
}

function tensorType(elemType: number, dims: (number | string)[]) {
  return onnx.TypeProto.create({
    tensorType: onnx.TypeProto.Tensor.create({
      elemType,
      shape: onnx.TensorShapeProto.create({
        dim: dims.map((d) => (typeof d === 'number' ? onnx.TensorShapeProto.Dimension.create({ dimValue: d }) : onnx.TensorShapeProto.Dimension.create({ dimParam: d }))),
      }),
    }),
  });
}

export interface OnnxExportOptions {
  /** Use only the first n trees (default: all). */
  nTrees?: number;
  /** Graph name / doc string. */
  name?: string;
}

/** The TreeEnsembleClassifier node's attributes for `model`. */
function ensembleAttributes(model: GbdtModel, nTrees: number): Attr[] {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const values: number[] = [];
  const modes: string[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const missingTrue: number[] = [];
  const cTree: number[] = [];
  const cNode: number[] = [];
  const cIds: number[] = [];
  const cWeights: number[] = [];
  model.trees.slice(0, nTrees).forEach((t, ti) => {
    const nInternal = t.feature.length;
    const ref = (c: number) => (c >= 0 ? c : nInternal + ~c);
    for (let i = 0; i < nInternal; i++) {
      treeIds.push(ti);
      nodeIds.push(i);
      featureIds.push(t.feature[i]!);
      values.push(t.threshold[i]!);
      modes.push(t.kind[i] === 1 ? 'BRANCH_EQ' : 'BRANCH_LT');
      trueIds.push(ref(t.left[i]!));
      falseIds.push(ref(t.right[i]!));
      missingTrue.push(t.defaultLeft[i]!);
    }
    t.leafValue.forEach((v, li) => {
      const id = nInternal + li;
      treeIds.push(ti);
      nodeIds.push(id);
      featureIds.push(0);
      values.push(0);
      modes.push('LEAF');
      trueIds.push(0);
      falseIds.push(0);
      missingTrue.push(0);
      cTree.push(ti);
      cNode.push(id);
      cIds.push(0);
      cWeights.push(ti === 0 ? v + model.baseScore : v);
    });
  });
  if (nTrees === 0) {
    // No trees: one single-leaf tree carrying the base score.
    treeIds.push(0); nodeIds.push(0); featureIds.push(0); values.push(0); modes.push('LEAF');
    trueIds.push(0); falseIds.push(0); missingTrue.push(0);
    cTree.push(0); cNode.push(0); cIds.push(0); cWeights.push(model.baseScore);
  }
  return [
    ints('nodes_treeids', treeIds),
    ints('nodes_nodeids', nodeIds),
    ints('nodes_featureids', featureIds),
    floats('nodes_values', values),
    strings('nodes_modes', modes),
    ints('nodes_truenodeids', trueIds),
    ints('nodes_falsenodeids', falseIds),
    ints('nodes_missing_value_tracks_true', missingTrue),
    ints('class_treeids', cTree),
    ints('class_nodeids', cNode),
    ints('class_ids', cIds),
    floats('class_weights', cWeights),
    ints('classlabels_int64s', [0, 1]),
    str('post_transform', 'LOGISTIC'),
  ];
}

/** Serialise `model` as an ONNX ModelProto (bytes). */
export function gbdtToOnnx(model: GbdtModel, opts: OnnxExportOptions = {}): Uint8Array {
  const nTrees = Math.min(opts.nTrees ?? model.trees.length, model.trees.length);
  const nF = model.features.length;
  const node = onnx.NodeProto.create({
    name: 'trees',
    opType: 'TreeEnsembleClassifier',
    domain: 'ai.onnx.ml',
    input: ['features'],
    output: ['label', 'probabilities'],
    attribute: ensembleAttributes(model, nTrees),
  });
  const graph = onnx.GraphProto.create({
    name: opts.name ?? 'verde-gbdt',
    node: [node],
    input: [onnx.ValueInfoProto.create({ name: 'features', type: tensorType(onnx.TensorProto.DataType.FLOAT, ['batch', nF]) })],
    output: [
      onnx.ValueInfoProto.create({ name: 'label', type: tensorType(onnx.TensorProto.DataType.INT64, ['batch']) }),
      onnx.ValueInfoProto.create({ name: 'probabilities', type: tensorType(onnx.TensorProto.DataType.FLOAT, ['batch', 2]) }),
    ],
  });
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'verde',
    producerVersion: '0.1.0',
    docString: `verde GBDT: ${nTrees} trees, features ${model.features.map((f) => f.name).join(', ')}`,
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 17 }), onnx.OperatorSetIdProto.create({ domain: 'ai.onnx.ml', version: 3 })],
    graph,
  });
  return onnx.ModelProto.encode(proto).finish();
}
