/**
 * The few WebAssembly JS API globals the kernels use. tsconfig's lib is ES2023 without DOM, and
 * @types/node 20 does not declare them; Node 20 has them all (shared memories included).
 */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}

interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: true }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}

export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
