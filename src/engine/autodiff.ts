/**
 * Reverse-mode automatic differentiation over a Graph. Walks the nodes between the wanted
 * tensors and the loss in reverse construction order (which is a topological order), calls each
 * node's gradient rule, and sums gradients that reach a tensor along several paths. The backward
 * nodes are appended to the same Graph, so the training step is one ONNX graph.
 */
import { type Graph, type Node, type Tensor, opError } from './graph.js';
import { isFloat } from './types.js';
import { sumAll } from './ops/elementwise.js';

/**
 * Gradients of the scalar `loss` with respect to each tensor in `wrt` (undefined where the loss
 * does not depend on it). `seed` overrides the initial gradient (default 1).
 */
export function gradients(loss: Tensor, wrt: Tensor[], seed?: Tensor): (Tensor | undefined)[] {
  const g: Graph = loss.graph;
  if (!isFloat(loss.dtype)) opError('gradients', 'the loss must be a float tensor', loss);
  if (!seed && loss.rank !== 0) opError('gradients', 'the loss must be a scalar (reduce it first)', loss);

  // nodes that lie on a path from any wrt tensor to the loss
  const wrtSet = new Set(wrt.map((t) => t.name));
  const end = loss.producer ? loss.producer.id : -1;
  const nodes = g.nodes.slice(0, end + 1);
  const dependsOnWrt = new Set<string>(wrtSet);
  const onPath: Node[] = [];
  for (const n of nodes) {
    if (n.inputs.some((t) => t && dependsOnWrt.has(t.name))) {
      for (const o of n.outputs) dependsOnWrt.add(o.name);
      onPath.push(n);
    }
  }
  const needed = new Set<string>([loss.name]);
  const backward: Node[] = [];
  for (let i = onPath.length - 1; i >= 0; i--) {
    const n = onPath[i];
    if (n.outputs.some((o) => needed.has(o.name))) {
      backward.push(n);
      for (const t of n.inputs) if (t && dependsOnWrt.has(t.name)) needed.add(t.name);
    }
  }

  const pending = new Map<string, Tensor[]>();
  const push = (t: Tensor, d: Tensor) => {
    const list = pending.get(t.name);
    if (list) list.push(d);
    else pending.set(t.name, [d]);
  };
  const take = (t: Tensor): Tensor | undefined => {
    const list = pending.get(t.name);
    if (!list) return undefined;
    const total = sumAll(list);
    pending.set(t.name, [total]);
    return total;
  };
  push(loss, seed ?? g.scalar(1, loss.dtype));

  for (const n of backward) {
    const dOut = n.outputs.map(take);
    if (dOut.every((d) => d === undefined)) continue;
    if (!n.grad) {
      const differentiable = n.inputs.filter((t) => t && isFloat(t.dtype) && dependsOnWrt.has(t.name));
      if (differentiable.length) opError(n.opType, 'has no gradient rule, but a parameter depends on it', ...n.outputs);
      continue;
    }
    const dIn = n.grad(n, dOut);
    n.inputs.forEach((t, i) => {
      const d = dIn[i];
      if (t && d && dependsOnWrt.has(t.name)) push(t, d);
    });
  }
  return wrt.map(take);
}
