/**
 * A bound on the bytes decompressed for the batches of one fetched partition, shared by them:
 * a fetch of a few kilobytes of compression bombs cannot inflate past it, and a batch that
 * would take the total past it is refused while it is being decompressed, before its output is
 * all allocated. Each batch counts once, however often its records are read.
 */
import { InvalidArgumentError } from '../errors.js'
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from './compression/index.js'

/** With the default limit, a fetch may inflate to this many times its size on the wire (if above 256 MiB). */
const DEFAULT_RATIO = 64

/** Decompressed bytes allowed, and used so far, for the batches of one fetched partition. */
export class DecompressionBudget {
  #used = 0

  constructor(
    /** Decompressed bytes allowed in total. */
    readonly limit: number,
  ) {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new InvalidArgumentError(`maxDecompressedBytes must be a non-negative integer, got ${String(limit)}`)
  }

  /** The default for `wireBytes` fetched: 256 MiB, or 64 times the fetched bytes when that is larger. */
  static forFetch(wireBytes: number, limit?: number): DecompressionBudget {
    return new DecompressionBudget(limit ?? Math.max(DEFAULT_MAX_DECOMPRESSED_BYTES, wireBytes * DEFAULT_RATIO))
  }

  /** Bytes decompressed so far. */
  get used(): number {
    return this.#used
  }

  /** Bytes that may still be decompressed. */
  get remaining(): number {
    return Math.max(0, this.limit - this.#used)
  }

  /** Counts a batch's decompressed bytes. @internal */
  charge(bytes: number): void {
    this.#used += bytes
  }
}
