/**
 * The batch-gradient row gather of the linearized regime in plain TypeScript (the reference; the
 * WebAssembly SIMD one is ../wasm/src/gather.wat):
 *   g = Σ_{r<b} weight_r·K[batch_r, :]     (K N×N row-major, float64 or float32 entries)
 * Rows are summed in batch order, g_j = ((w_0K_0j + w_1K_1j) + w_2K_2j) + …, the order of the wasm
 * kernel, four rows a pass, so both give bit-identical results. Returns g.
 */
export function gatherTs(
  K: Float64Array | Float32Array,
  N: number,
  batch: Int32Array,
  weight: Float64Array,
  b: number,
  g: Float64Array,
): Float64Array {
  let r: number;
  const rem = b & 3;
  if (rem === 0) {
    const o0 = batch[0] * N,
      o1 = batch[1] * N,
      o2 = batch[2] * N,
      o3 = batch[3] * N;
    const w0 = weight[0],
      w1 = weight[1],
      w2 = weight[2],
      w3 = weight[3];
    for (let j = 0; j < N; j++) g[j] = w0 * K[o0 + j] + w1 * K[o1 + j] + w2 * K[o2 + j] + w3 * K[o3 + j];
    r = 4;
  } else if (rem === 1) {
    const o0 = batch[0] * N;
    const w0 = weight[0];
    for (let j = 0; j < N; j++) g[j] = w0 * K[o0 + j];
    r = 1;
  } else if (rem === 2) {
    const o0 = batch[0] * N,
      o1 = batch[1] * N;
    const w0 = weight[0],
      w1 = weight[1];
    for (let j = 0; j < N; j++) g[j] = w0 * K[o0 + j] + w1 * K[o1 + j];
    r = 2;
  } else {
    const o0 = batch[0] * N,
      o1 = batch[1] * N,
      o2 = batch[2] * N;
    const w0 = weight[0],
      w1 = weight[1],
      w2 = weight[2];
    for (let j = 0; j < N; j++) g[j] = w0 * K[o0 + j] + w1 * K[o1 + j] + w2 * K[o2 + j];
    r = 3;
  }
  for (; r < b; r += 4) {
    const o0 = batch[r] * N,
      o1 = batch[r + 1] * N,
      o2 = batch[r + 2] * N,
      o3 = batch[r + 3] * N;
    const w0 = weight[r],
      w1 = weight[r + 1],
      w2 = weight[r + 2],
      w3 = weight[r + 3];
    for (let j = 0; j < N; j++) g[j] = g[j] + w0 * K[o0 + j] + w1 * K[o1 + j] + w2 * K[o2 + j] + w3 * K[o3 + j];
  }
  return g;
}
