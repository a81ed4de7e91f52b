/**
 * Zstandard through WebAssembly: the fallback for runtimes whose node:zlib has
 * no zstd (Node < 22.15). The module is the zstd build that `@bokuweb/zstd-wasm`
 * ships (`zstd.wasm`, beside its entry point); it is compiled and instantiated
 * synchronously here, with the few imports it needs, instead of through the
 * package's asynchronous loader, so compress/decompress stay synchronous and
 * nothing waits at import time. The export names are the minified ones of the
 * pinned package version, checked by a round trip when the module loads.
 *
 * Memory: the module's heap grows to the largest input + output seen and does
 * not shrink; output is bounded by `maxOutput` like every codec.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { DecodeError } from '../../errors.js'
import { codecError, tooLarge } from './errors.js'

/** The parts of the WebAssembly global used here (the project's lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: object }
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

/** The exports of zstd.wasm used here, under their minified names. */
interface ZstdWasmExports {
  /** linear memory */
  f: WasmMemory
  /** static constructors */
  g(): void
  /** ZSTD_isError(code) */
  h(code: number): number
  /** ZSTD_compressBound(size) */
  i(size: number): number
  /** ZSTD_createCCtx() */
  j(): number
  /** ZSTD_compress_usingDict(cctx, dst, dstCapacity, src, srcSize, dict, dictSize, level) */
  l(cctx: number, dst: number, cap: number, src: number, size: number, dict: number, dictSize: number, level: number): number
  /** ZSTD_createDCtx() */
  n(): number
  /** ZSTD_getFrameContentSize(src, srcSize): -1 unknown, -2 error (low 32 bits) */
  p(src: number, size: number): number
  /** ZSTD_decompress_usingDict(dctx, dst, dstCapacity, src, srcSize, dict, dictSize) */
  q(dctx: number, dst: number, cap: number, src: number, size: number, dict: number, dictSize: number): number
  /** malloc(size) */
  s(size: number): number
  /** free(ptr) */
  t(ptr: number): void
}

/** zstd's error codes (negated size_t in a 32-bit module). */
const DST_TOO_SMALL = -70
const PAGE = 65536

class ZstdWasm {
  private readonly e: ZstdWasmExports
  private heap: Uint8Array
  /** One compression and one decompression context, reused: creating them per call costs more than small batches' (de)compression. */
  private readonly cctx: number
  private readonly dctx: number

  constructor(bytes: Uint8Array) {
    let memory: WasmMemory | undefined
    const imports = {
      a: {
        a: (code: number) => {
          throw new Error(`zstd wasm exited (${code})`)
        },
        b: () => undefined,
        c: () => {
          throw new Error('zstd wasm aborted')
        },
        d: () => 0,
        e: (requested: number) => {
          const current = memory!.buffer.byteLength
          try {
            memory!.grow(Math.ceil(((requested >>> 0) - current) / PAGE))
            return 1
          } catch {
            return 0
          }
        },
      },
    }
    const instance = new wasm.Instance(new wasm.Module(bytes), imports)
    this.e = instance.exports as unknown as ZstdWasmExports
    memory = this.e.f
    this.heap = new Uint8Array(memory.buffer)
    this.e.g()
    this.cctx = this.e.j()
    this.dctx = this.e.n()
    if (this.cctx === 0 || this.dctx === 0) throw new Error('zstd wasm: cannot create contexts')
  }

  /** The heap view; replaced whenever the memory grew (growing detaches the old buffer). */
  private view(): Uint8Array {
    if (this.heap.buffer !== this.e.f.buffer) this.heap = new Uint8Array(this.e.f.buffer)
    return this.heap
  }

  private copyIn(data: Uint8Array): number {
    const ptr = this.e.s(Math.max(1, data.length))
    if (ptr === 0) throw new Error(`zstd wasm: out of memory for ${data.length} bytes`)
    this.view().set(data, ptr)
    return ptr
  }

  private alloc(size: number): number {
    const ptr = this.e.s(Math.max(1, size))
    if (ptr === 0) throw new Error(`zstd wasm: out of memory for ${size} bytes`)
    return ptr
  }

  compress(data: Uint8Array, level: number): Buffer {
    const src = this.copyIn(data)
    const bound = this.e.i(data.length)
    const dst = this.alloc(bound)
    try {
      const n = this.e.l(this.cctx, dst, bound, src, data.length, 0, 0, level)
      if (this.e.h(n)) throw new Error(`zstd wasm: compression failed (error ${-n})`)
      return Buffer.from(this.view().subarray(dst, dst + n))
    } finally {
      this.e.t(dst)
      this.e.t(src)
    }
  }

  decompress(data: Uint8Array, maxOutput: number): Buffer {
    const src = this.copyIn(data)
    try {
      // The first frame's declared size is a good first guess (exact for one frame);
      // streamed frames (the Java client's) declare none: start from a multiple of the input.
      const declared = this.e.p(src, data.length)
      if (declared > maxOutput) throw tooLarge('zstd', declared, maxOutput)
      let capacity = declared >= 0 ? declared : Math.max(64 * 1024, data.length * 8)
      capacity = Math.min(capacity, maxOutput)
      for (;;) {
        const dst = this.alloc(capacity)
        try {
          const n = this.e.q(this.dctx, dst, capacity, src, data.length, 0, 0)
          if (!this.e.h(n)) return Buffer.from(this.view().subarray(dst, dst + (n >>> 0)))
          if (n !== DST_TOO_SMALL) throw new DecodeError(`zstd: cannot decompress (zstd error ${-n})`)
          if (capacity >= maxOutput) throw tooLarge('zstd', `> ${maxOutput}`, maxOutput)
          capacity = Math.min(maxOutput, capacity * 4)
        } finally {
          this.e.t(dst)
        }
      }
    } finally {
      this.e.t(src)
    }
  }
}

let instance: ZstdWasm | undefined

/** The module, loaded and self-checked on first use. */
function zstdWasm(): ZstdWasm {
  if (instance) return instance
  const require = createRequire(import.meta.url)
  const entry = require.resolve('@bokuweb/zstd-wasm')
  const z = new ZstdWasm(readFileSync(join(dirname(entry), 'zstd.wasm')))
  const probe = Buffer.from('peridot zstd self-check '.repeat(8))
  const back = z.decompress(z.compress(probe, 3), probe.length)
  if (!back.equals(probe)) throw new Error('zstd wasm: self-check failed (unexpected @bokuweb/zstd-wasm build)')
  instance = z
  return z
}

/** Compresses into one zstd frame (level 3, zstd's and Kafka's default). */
export function zstdWasmCompress(data: Uint8Array): Buffer {
  return zstdWasm().compress(data, 3)
}

/** Decompresses every frame in `data`, refusing output beyond `maxOutput` bytes. */
export function zstdWasmDecompress(data: Uint8Array, maxOutput: number): Buffer {
  try {
    return zstdWasm().decompress(data, maxOutput)
  } catch (err) {
    throw codecError('zstd', err)
  }
}
