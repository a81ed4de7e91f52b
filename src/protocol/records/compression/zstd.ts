/**
 * Zstandard (attribute 4): standard zstd frames, synchronous, with bounded output.
 *
 * Node's own zstd (node:zlib, Node >= 22.15) where the runtime has it, else the
 * WebAssembly build (zstd-wasm.ts): neither needs a compiler at install time.
 * `PERIDOT_ZSTD=wasm` forces the WebAssembly build (for tests and comparisons).
 */
import { nodeZstdAvailable, nodeZstdCompress, nodeZstdDecompress } from './zstd-node.js'
import { zstdWasmCompress, zstdWasmDecompress } from './zstd-wasm.js'

/** Which zstd implementation is active. */
export type ZstdImplementation = 'node:zlib' | 'wasm'

const useNode = nodeZstdAvailable && process.env.PERIDOT_ZSTD !== 'wasm'
const implementation: ZstdImplementation = useNode ? 'node:zlib' : 'wasm'

/** Which zstd implementation is active, so the client can log it once. */
export function zstdImplementation(): ZstdImplementation {
  return implementation
}

/** Compresses `data` into one zstd frame at level 3. */
export const zstdCompress: (data: Uint8Array) => Buffer = useNode ? nodeZstdCompress : zstdWasmCompress

/** Decompresses all frames of `data`; a DecodeError for corrupt input or output above `maxOutput`. */
export const zstdDecompress: (data: Uint8Array, maxOutput: number) => Buffer = useNode ? nodeZstdDecompress : zstdWasmDecompress
