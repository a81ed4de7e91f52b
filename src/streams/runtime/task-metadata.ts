/**
 * Per-task state committed with the input offsets, as Kafka Streams does it: each input
 * partition's offset commit carries, in its metadata string, the partition time and the task's
 * processor metadata (key -> long; e.g. the last window close time an `onWindowClose`
 * aggregation emitted, under the store's name). A task created on assignment reads them back,
 * so a restarted or failed-over instance goes on where the committed state left off.
 *
 * Encoding (Kafka Streams' TopicPartitionMetadata, readable by Java instances and the reverse):
 * base64 of version byte 2, 8-byte partition time, then, when the map is not empty, a 4-byte
 * entry count and per entry a 4-byte key length, the UTF-8 key and an 8-byte value (big-endian).
 * Version 1 carries only the partition time.
 */

/** The partition time of a partition without any (committed) record: Kafka Streams' RecordQueue.UNKNOWN. */
export const UNKNOWN_PARTITION_TIME = -1

const VERSION_PARTITION_TIME = 1
const VERSION_WITH_PROCESSOR_METADATA = 2

/** @internal A task's processor metadata: numbers by key, and whether they changed since the last commit. */
export class ProcessorMetadata {
  readonly #values = new Map<string, number>()
  #needsCommit = false

  get(key: string): number | undefined {
    return this.#values.get(key)
  }

  /** Sets a value; the next commit carries the metadata to every input partition of the task. */
  put(key: string, value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`processor metadata '${key}' must be a safe integer, got ${value}`)
    if (this.#values.get(key) === value) return
    this.#values.set(key, value)
    this.#needsCommit = true
  }

  /** Adds committed values: a key present in both keeps the larger (Kafka Streams' ProcessorMetadata.update). */
  merge(other: ReadonlyMap<string, number>): void {
    for (const [k, v] of other) {
      const mine = this.#values.get(k)
      if (mine === undefined || mine < v) this.#values.set(k, v)
    }
  }

  get needsCommit(): boolean {
    return this.#needsCommit
  }

  /** The metadata is in the committed offsets. */
  committed(): void {
    this.#needsCommit = false
  }

  entries(): ReadonlyMap<string, number> {
    return this.#values
  }
}

/** What one input partition's committed offset metadata holds. */
export interface TaskOffsetMetadata {
  /** Largest record timestamp of the partition, {@link UNKNOWN_PARTITION_TIME} when none. */
  partitionTime: number
  processorMetadata: ReadonlyMap<string, number>
}

/** The offset commit metadata string of one input partition. */
export function encodeTaskOffsetMetadata(partitionTime: number, metadata: ReadonlyMap<string, number>): string {
  const entries = [...metadata].map(([k, v]) => [Buffer.from(k, 'utf8'), v] as const)
  const size = 1 + 8 + (entries.length === 0 ? 0 : 4 + entries.reduce((n, [k]) => n + 4 + k.length + 8, 0))
  const buf = Buffer.alloc(size)
  buf.writeInt8(VERSION_WITH_PROCESSOR_METADATA, 0)
  buf.writeBigInt64BE(BigInt(partitionTime), 1)
  if (entries.length > 0) {
    let at = buf.writeInt32BE(entries.length, 9)
    for (const [k, v] of entries) {
      at = buf.writeInt32BE(k.length, at)
      at += k.copy(buf, at)
      at = buf.writeBigInt64BE(BigInt(v), at)
    }
  }
  return buf.toString('base64')
}

/**
 * Reads an offset commit metadata string. Empty, foreign (another application's text) or
 * unknown-version metadata gives an unknown partition time and no processor metadata, as in
 * Kafka Streams (which logs a warning); `onUnreadable` hears about such strings.
 */
export function decodeTaskOffsetMetadata(text: string | null | undefined, onUnreadable?: (reason: string) => void): TaskOffsetMetadata {
  const none: TaskOffsetMetadata = { partitionTime: UNKNOWN_PARTITION_TIME, processorMetadata: new Map() }
  if (text == null || text === '') return none
  try {
    const buf = Buffer.from(text, 'base64')
    if (buf.length < 9) throw new RangeError('too short')
    const version = buf.readInt8(0)
    if (version !== VERSION_PARTITION_TIME && version !== VERSION_WITH_PROCESSOR_METADATA) {
      onUnreadable?.(`unsupported offset metadata version ${version} (supported: <= ${VERSION_WITH_PROCESSOR_METADATA})`)
      return none
    }
    const partitionTime = Number(buf.readBigInt64BE(1))
    const processorMetadata = new Map<string, number>()
    if (version === VERSION_WITH_PROCESSOR_METADATA && buf.length > 9) {
      const count = buf.readInt32BE(9)
      let at = 13
      for (let i = 0; i < count; i++) {
        const len = buf.readInt32BE(at)
        at += 4
        if (len < 0 || at + len + 8 > buf.length) throw new RangeError('truncated entry')
        const key = buf.toString('utf8', at, at + len)
        at += len
        processorMetadata.set(key, Number(buf.readBigInt64BE(at)))
        at += 8
      }
    }
    return { partitionTime, processorMetadata }
  } catch (err) {
    onUnreadable?.(`unreadable offset metadata: ${(err as Error).message}`)
    return none
  }
}
