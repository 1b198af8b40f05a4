/**
 * SmallNet behind the generic fit/predictProba interface (active learning, distillation students),
 * with the standardisation fitted on the training rows each time.
 */
import type { Matrix } from '../../tabular/matrix.js';
import { SmallNet, type TrainOptions } from './net.js';

export class SmallNetClassifier {
  net?: SmallNet;
  constructor(readonly hidden: number[] = [], readonly train: TrainOptions = {}) {}

  async fit(x: Matrix, y: ArrayLike<number>): Promise<void> {
    const net = SmallNet.create(x.cols, this.hidden, this.train.seed ?? 0);
    net.fitNormaliser(x);
    await net.train(x, y, this.train);
    this.net = net;
  }

  predictProba(x: Matrix): Float32Array {
    if (!this.net) throw new Error('SmallNetClassifier: predict before fit');
    return this.net.predict(x);
  }
}
