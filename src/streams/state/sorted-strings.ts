/**
 * A sorted set of strings in chunks (a sorted list of small sorted arrays): insert and delete
 * cost a binary search plus a move within one chunk, so keeping a large key set ordered under
 * interleaved writes and scans stays cheap (one flat sorted array moves every key per insert).
 * Strings compare with `<`, which for the latin1 strings of the in-memory store is unsigned byte
 * order.
 */

/** Keys per chunk at most; a chunk that grows past it is split in two. */
const MAX_CHUNK = 512

/** Ordered strings with range reads. */
export class SortedStrings {
  #chunks: string[][] = []
  #size = 0

  /** Builds the set from keys already sorted and distinct. */
  static fromSorted(keys: readonly string[]): SortedStrings {
    const s = new SortedStrings()
    const half = MAX_CHUNK >>> 1
    for (let i = 0; i < keys.length; i += half) s.#chunks.push(keys.slice(i, i + half))
    s.#size = keys.length
    return s
  }

  get size(): number {
    return this.#size
  }

  /** Adds `k`; false when it was there. */
  insert(k: string): boolean {
    const chunks = this.#chunks
    if (chunks.length === 0) {
      chunks.push([k])
      this.#size = 1
      return true
    }
    const ci = Math.min(this.#chunkFor(k), chunks.length - 1)
    const chunk = chunks[ci]
    const i = lowerBound(chunk, k)
    if (chunk[i] === k) return false
    chunk.splice(i, 0, k)
    this.#size++
    if (chunk.length > MAX_CHUNK) chunks.splice(ci + 1, 0, chunk.splice(chunk.length >>> 1))
    return true
  }

  /** Removes `k`; false when it was not there. */
  delete(k: string): boolean {
    const ci = this.#chunkFor(k)
    const chunk = this.#chunks[ci]
    if (chunk === undefined) return false
    const i = lowerBound(chunk, k)
    if (chunk[i] !== k) return false
    chunk.splice(i, 1)
    this.#size--
    if (chunk.length === 0) this.#chunks.splice(ci, 1)
    return true
  }

  /** A copy of the keys with lo <= k <= hi, in order. */
  range(lo: string, hi: string): string[] {
    const out: string[] = []
    const chunks = this.#chunks
    for (let ci = this.#chunkFor(lo); ci < chunks.length; ci++) {
      const chunk = chunks[ci]
      for (let i = out.length === 0 ? lowerBound(chunk, lo) : 0; i < chunk.length; i++) {
        if (chunk[i] > hi) return out
        out.push(chunk[i])
      }
    }
    return out
  }

  /** A copy of every key, in order. */
  all(): string[] {
    return this.#chunks.flat()
  }

  /** Index of the first chunk whose last key is >= k (chunks.length when none is). */
  #chunkFor(k: string): number {
    const chunks = this.#chunks
    let a = 0
    let b = chunks.length
    while (a < b) {
      const mid = (a + b) >>> 1
      const c = chunks[mid]
      if (c[c.length - 1] < k) a = mid + 1
      else b = mid
    }
    return a
  }
}

/** Index of the first key >= k in a sorted array. */
function lowerBound(keys: readonly string[], k: string): number {
  let a = 0
  let b = keys.length
  while (a < b) {
    const mid = (a + b) >>> 1
    if (keys[mid] < k) a = mid + 1
    else b = mid
  }
  return a
}
