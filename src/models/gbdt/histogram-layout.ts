/**
 * The histogram layout shared by the histogram builders (histogram.ts), their kernels
 * (histogram-kernels.ts) and quantised gradients (grad-quant.ts): per feature 256 bins, each bin
 * [g, h, count] as float64, or with quantised gradients [packed g/h, count].
 */
export const HIST_STRIDE = 256 * 3;
/** Quantised histograms (grad-quant.ts): per bin the packed g/h sum and the count. */
export const Q_HIST_STRIDE = 256 * 2;
