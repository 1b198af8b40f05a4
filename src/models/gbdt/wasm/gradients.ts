/**
 * grad-quant.ts's quantisedGradients as WebAssembly, without the loss (wasm has no log: rounds that
 * report the training loss add it in JS from the updated exp(-margin), lossFromExpNeg). Same
 * operations in the same order on IEEE doubles and i32, so expNeg and gh come out bit-identical (a
 * test compares them; another trains the same trees with either). Measured on 1M rows in blocks
 * of 4096 (median of 15, bench lock): JS 16.2 ms, wasm 9.9 ms per pass; in the CPU profile of a
 * 1M-row, 30-tree training with the wasm histogram kernels, the JS pass had been the largest part
 * (467 ms of 2.99 s).
 */
import { E_MAX, E_MIN, MAX_LEVELS } from '../grad-quant.js';
import { F64, f64Const, I32, memarg, OP, sleb, type FuncDef } from './encoder.js';

/** Byte addresses of the per-row arrays the pass reads and writes. */
export interface GradientAddresses {
  expNeg: number;
  leafOf: number;
  leafExp: number;
  labels: number;
  gh: number;
}

const { localGet: get, localSet: set, localTee: tee } = OP;
const i32 = (n: number) => [OP.i32Const, ...sleb(n)];

/** gradients(start, end, w, invGStep, invHStep, twoK, salt): rows start..end, as quantisedGradients with withLoss false. */
export function gradientsFunc(a: GradientAddresses): FuncDef {
  const [START, END, W, INVG, INVH, TWOK, SALT, R, E, P, POS, WR, H] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  // hsh = imul(hsh ^ (hsh >>> s), m) steps of the murmur3 finaliser.
  const xorShift = (s: number) => [get, H, get, H, ...i32(s), OP.i32ShrU, OP.i32Xor, set, H];
  const mul = (m: number) => [get, H, ...i32(m | 0), OP.i32Mul, set, H];
  const code = [
    get, START, set, R,
    OP.block, OP.void,
    get, R, get, END, OP.i32GeU, OP.brIf, 0,
    OP.loop, OP.void,
    // e = clamp(expNeg[r] * leafExp[leafOf[r]]); expNeg[r] = e (min/max equal the JS ternaries, NaN included).
    get, R, ...i32(3), OP.i32Shl,
    get, R, ...i32(3), OP.i32Shl, OP.f64Load, ...memarg(3, a.expNeg),
    get, R, ...i32(1), OP.i32Shl, OP.i32Load16U, ...memarg(1, a.leafOf), ...i32(3), OP.i32Shl, OP.f64Load, ...memarg(3, a.leafExp),
    OP.f64Mul, ...f64Const(E_MIN), OP.f64Max, ...f64Const(E_MAX), OP.f64Min, tee, E,
    OP.f64Store, ...memarg(3, a.expNeg),
    // p = 1 / (1 + e); pos = labels[r] === 1; wr = pos ? w : 1.
    ...f64Const(1), ...f64Const(1), get, E, OP.f64Add, OP.f64Div, set, P,
    get, R, OP.i32Load8U, ...memarg(0, a.labels), ...i32(1), OP.i32Eq, set, POS,
    get, W, ...f64Const(1), get, POS, OP.select, set, WR,
    // hsh = imul(r ^ salt, 0x9e3779b1), then the finaliser.
    get, R, get, SALT, OP.i32Xor, set, H,
    ...mul(0x9e3779b1), ...xorShift(16), ...mul(0x85ebca6b), ...xorShift(13), ...mul(0xc2b2ae35), ...xorShift(16),
    // gh[r] = gq * twoK + hq.
    get, R, ...i32(3), OP.i32Shl,
    // gq = (((pos ? p - 1 : p) * wr * invG + (hsh & 0xffff) / 65536 + MAX_LEVELS) | 0) - MAX_LEVELS
    get, P, ...f64Const(1), OP.f64Sub, get, P, get, POS, OP.select,
    get, WR, OP.f64Mul, get, INVG, OP.f64Mul,
    get, H, ...i32(0xffff), OP.i32And, OP.f64ConvertI32S, ...f64Const(1 / 65536), OP.f64Mul, OP.f64Add,
    ...f64Const(MAX_LEVELS), OP.f64Add, ...OP.i32TruncSatF64S, ...i32(MAX_LEVELS), OP.i32Sub,
    OP.f64ConvertI32S, get, TWOK, OP.f64Mul,
    // hq = (p * (1 - p) * wr * invH + (hsh >>> 16) / 65536) | 0
    get, P, ...f64Const(1), get, P, OP.f64Sub, OP.f64Mul, get, WR, OP.f64Mul, get, INVH, OP.f64Mul,
    get, H, ...i32(16), OP.i32ShrU, OP.f64ConvertI32S, ...f64Const(1 / 65536), OP.f64Mul, OP.f64Add,
    ...OP.i32TruncSatF64S, OP.f64ConvertI32S,
    OP.f64Add, OP.f64Store, ...memarg(3, a.gh),
    get, R, ...i32(1), OP.i32Add, tee, R, get, END, OP.i32LtU, OP.brIf, 0,
    OP.end,
    OP.end,
  ];
  return { name: 'gradients', params: [I32, I32, F64, F64, F64, F64, I32], results: [], locals: [I32, F64, F64, I32, F64, I32], code };
}
