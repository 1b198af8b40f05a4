/**
 * glibc malloc settings for training processes. Every step, onnxruntime-node copies the
 * gradients out of ORT into fresh ArrayBuffers (67M floats for DistilBERT), and the previous
 * step's buffers are freed. With glibc's defaults those big blocks are mmap'd and munmap'd each
 * time, so every step pays their page faults and zeroing; and the engine worker thread allocates
 * from its own arena, whose heaps cannot hold such blocks. Measured when the step still returned
 * new parameters and moments (3 x 67M-float outputs, engine worker thread): 0.75-0.9 s per run
 * with the defaults, 0.24-0.37 s with these settings (freed blocks are reused from the heap).
 *
 * Settings (mallopt): one arena for threads started afterwards (the engine worker then allocates
 * from the main heap), blocks up to 1 GiB served from the heap, and up to 1 GiB of free heap kept
 * rather than trimmed. Process-wide and applied once, before the first engine worker starts; a
 * no-op off glibc or with VERDE_MALLOC_TUNING=0. Freed memory is kept for reuse, so the process's
 * RSS stays near its training peak until it exits.
 */
const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;
const M_ARENA_MAX = -8;
const GIB = 1 << 30;

let applied: Promise<boolean> | undefined;

/** Apply the settings once per process; resolves to whether they were applied. */
export function tuneMallocForTraining(): Promise<boolean> {
  applied ??= apply();
  return applied;
}

async function apply(): Promise<boolean> {
  if (process.platform !== 'linux' || process.env.VERDE_MALLOC_TUNING === '0') return false;
  try {
    // libc.so.6 is glibc's soname (musl has none), so loading it fails off glibc
    const koffi = (await import('koffi')).default;
    const mallopt = koffi.load('libc.so.6').func('int mallopt(int param, int value)') as (param: number, value: number) => number;
    return [mallopt(M_ARENA_MAX, 1), mallopt(M_MMAP_THRESHOLD, GIB), mallopt(M_TRIM_THRESHOLD, GIB)].every((ok) => ok === 1);
  } catch {
    return false; // tuning is an optimisation: never fail a training run over it
  }
}
