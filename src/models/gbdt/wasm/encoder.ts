/**
 * A minimal WebAssembly binary encoder: just what the generated row kernels (kernels.ts) need, so
 * they can be specialised at run time per feature count (constant offsets, as histogram-kernels.ts
 * does for JS) without a build tool. Format: https://webassembly.github.io/spec/core/binary/.
 * One module = one imported shared memory ("env" "mem") and functions over i32/f64.
 */

/** Value types. */
export const I32 = 0x7f;
export const F64 = 0x7c;

/** Opcodes used by the kernels (spec 5.4). */
export const OP = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f, call: 0x10,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, f64Load: 0x2b, i32Load8U: 0x2d, i32Store: 0x36, f64Store: 0x39, i32Store8: 0x3a,
  i32Const: 0x41, f64Const: 0x44,
  i32Eqz: 0x45, i32Ne: 0x47, i32LtU: 0x49, i32GeU: 0x4f,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, i32Shl: 0x74, i32ShrU: 0x76,
  i32Eq: 0x46, i32Xor: 0x73, i32Load16U: 0x2f, select: 0x1b,
  f64Add: 0xa0, f64Sub: 0xa1, f64Mul: 0xa2, f64Div: 0xa3, f64Min: 0xa4, f64Max: 0xa5,
  f64ConvertI32S: 0xb7, f64ConvertI32U: 0xb8,
  /** i32.trunc_sat_f64_s (0xfc prefix): JS's `x | 0` for |x| < 2^31, without a trap. */
  i32TruncSatF64S: [0xfc, 0x02],
  /** Block type of a block/loop/if without results. */
  void: 0x40,
} as const;

/** f64.const x (little-endian IEEE bits). */
export function f64Const(x: number): number[] {
  return [0x44, ...new Uint8Array(Float64Array.of(x).buffer)];
}

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`wasm encoder: ${n} is not an unsigned integer`);
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/**
 * Signed LEB128 of an i32 constant. Values in [2^31, 2^32) (byte addresses past 2 GiB) are encoded
 * as the negative i32 with the same bits, which is what wasm's unsigned address arithmetic reads.
 */
export function sleb(n: number): number[] {
  if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 32) throw new RangeError(`wasm encoder: ${n} is not a 32-bit integer`);
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function name(s: string): number[] {
  const b = [...Buffer.from(s, 'utf8')];
  return [...uleb(b.length), ...b];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** Memory access immediate: alignment (log2 bytes) and a constant byte offset. */
export function memarg(alignLog2: number, offset: number): number[] {
  return [...uleb(alignLog2), ...uleb(offset)];
}

export interface FuncDef {
  name: string;
  params: number[];
  results: number[];
  /** Extra locals (after the params), by type. */
  locals: number[];
  /** The body's instructions, without the final `end`. */
  code: number[];
}

/**
 * A module importing env.mem, a shared memory of `pages` 64 KiB pages (minimum = maximum: it never
 * grows, so the typed-array views over it stay valid), exporting `funcs`.
 */
export function encodeModule(pages: number, funcs: FuncDef[]): Uint8Array {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  // Limits flag 0x03: shared, with a maximum.
  const imports = vec([[...name('env'), ...name('mem'), 0x02, 0x03, ...uleb(pages), ...uleb(pages)]]);
  const funcIdx = vec(funcs.map((_, i) => uleb(i)));
  const exports = vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const bodies = funcs.map((f) => {
    // Locals as runs of one type.
    const runs: number[][] = [];
    for (let i = 0; i < f.locals.length; ) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      runs.push([...uleb(j - i), f.locals[i]!]);
      i = j;
    }
    const body = [...vec(runs), ...f.code, OP.end];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, funcIdx),
    ...section(7, exports),
    ...section(10, vec(bodies)),
  ]);
}
