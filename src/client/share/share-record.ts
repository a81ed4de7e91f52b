/**
 * Records delivered to a share-group member and the acknowledgements it owes for them: one
 * acknowledgement per delivered record (renewals aside), collected per partition until they are
 * sent with the next fetch, by commit() or on close.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import { AcknowledgeType, type AcknowledgementBatch } from '../../protocol/messages/share-acknowledgements.js'
import type { KafkaRecord, RecordHeaders } from '../../protocol/records/index.js'
import { describeValue } from '../validate.js'
import { ShareAcknowledgementError } from './share-errors.js'
import type { AcknowledgeKind, AcknowledgementMode } from './share-consumer-options.js'

/** A record delivered to a share-group member, with its acknowledgement. */
export interface ShareRecord extends KafkaRecord {
  readonly topic: string
  readonly partition: number
  /** How many times the record has been delivered (to any member), 1 on its first delivery. */
  readonly deliveryCount: number
  /** The last acknowledgement given (undefined: none yet). */
  readonly acknowledgement: AcknowledgeKind | undefined
  /** Processed: never delivered again. Explicit mode only. */
  accept(): void
  /** Not processed: delivered again, to any member, with a higher delivery count. Explicit mode only. */
  release(): void
  /** Cannot be processed: never delivered again. Explicit mode only. */
  reject(): void
  /**
   * Still processing: extends the acquisition lock so the record is not handed to another member
   * (KIP-1222, Kafka 4.2+); sent by the next `commit()`/`commitAsync()`. A final `accept()`,
   * `release()` or `reject()` is still due. Explicit mode only.
   */
  renew(): void
  /** One of the above by name. */
  acknowledge(kind: AcknowledgeKind): void
}

const WIRE: Record<AcknowledgeKind, number> = {
  accept: AcknowledgeType.ACCEPT,
  release: AcknowledgeType.RELEASE,
  reject: AcknowledgeType.REJECT,
  renew: AcknowledgeType.RENEW,
}

/** Acknowledgements of one partition, ready to send. */
export interface PartitionAcknowledgements {
  topic: string
  partition: number
  batches: AcknowledgementBatch[]
  offsets: bigint[]
  /** True when a batch holds a RENEW type (needs ShareAcknowledge v2). */
  renew: boolean
}

class DeliveredRecord implements ShareRecord {
  acknowledgement: AcknowledgeKind | undefined

  constructor(
    /** @internal */
    readonly tracker: AcknowledgementTracker,
    readonly generation: number,
    readonly topic: string,
    readonly partition: number,
    readonly deliveryCount: number,
    readonly offset: bigint,
    readonly timestamp: number,
    readonly key: Buffer | null,
    readonly value: Buffer | null,
    readonly headers: RecordHeaders,
  ) {}

  accept(): void {
    this.tracker.acknowledge(this, 'accept')
  }

  release(): void {
    this.tracker.acknowledge(this, 'release')
  }

  reject(): void {
    this.tracker.acknowledge(this, 'reject')
  }

  renew(): void {
    this.tracker.acknowledge(this, 'renew')
  }

  acknowledge(kind: AcknowledgeKind): void {
    this.tracker.acknowledge(this, kind)
  }

  /** Plain fields, without the tracker. */
  toJSON(): Omit<ShareRecord, 'accept' | 'release' | 'reject' | 'renew' | 'acknowledge'> {
    const { topic, partition, deliveryCount, offset, timestamp, key, value, headers, acknowledgement } = this
    return { topic, partition, deliveryCount, offset, timestamp, key, value, headers, acknowledgement }
  }
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`

/** Builds the wire ranges: contiguous offsets, one type per range when all agree, else one per offset. */
export function toAcknowledgementBatches(acks: ReadonlyMap<bigint, number>): AcknowledgementBatch[] {
  const offsets = [...acks.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const out: AcknowledgementBatch[] = []
  let start = 0
  for (let i = 1; i <= offsets.length; i++) {
    if (i < offsets.length && offsets[i] === offsets[i - 1] + 1n) continue
    const types = offsets.slice(start, i).map((o) => acks.get(o)!)
    out.push({ firstOffset: offsets[start], lastOffset: offsets[i - 1], acknowledgeTypes: types.every((t) => t === types[0]) ? [types[0]] : types })
    start = i
  }
  return out
}

/**
 * The records of the batch in hand and the acknowledgements not sent yet. A batch's records can
 * be acknowledged until the next batch is asked for; then, in implicit mode, what is left is
 * accepted, and in explicit mode anything left is an error (as in Java).
 */
export class AcknowledgementTracker {
  private generation = 0
  private current: DeliveredRecord[] = []
  private readonly pending = new Map<string, { topic: string; partition: number; acks: Map<bigint, number> }>()

  constructor(private readonly mode: AcknowledgementMode) {}

  /** Wraps a decoded record as delivered in the batch being built. */
  deliver(topic: string, partition: number, deliveryCount: number, r: KafkaRecord): ShareRecord {
    const d = new DeliveredRecord(this, this.generation, topic, partition, deliveryCount, r.offset, r.timestamp, r.key, r.value, r.headers)
    this.current.push(d)
    return d
  }

  /** An acquired offset without a record (a control record or a compacted one): acknowledged as a gap. */
  gap(topic: string, partition: number, offset: bigint): void {
    this.put(topic, partition, offset, AcknowledgeType.GAP)
  }

  /**
   * Acquired records that cannot be decoded (a corrupt response): released, so they are fetched
   * again; a record that stays undecodable is archived at the group's delivery count limit.
   */
  releaseUndeliverable(topic: string, partition: number, offset: bigint): void {
    this.put(topic, partition, offset, AcknowledgeType.RELEASE)
  }

  acknowledge(record: ShareRecord, kind: AcknowledgeKind): void {
    if (!(record instanceof DeliveredRecord) || record.tracker !== this) {
      throw new InvalidArgumentError('acknowledge: the record was not delivered by this share consumer')
    }
    if (!(kind in WIRE)) throw new InvalidArgumentError(`acknowledge: kind must be 'accept', 'release', 'reject' or 'renew' (got ${describeValue(kind)})`)
    if (this.mode === 'implicit') {
      throw new ShareAcknowledgementError("records are acknowledged implicitly (acknowledgementMode 'implicit'): use acknowledgementMode 'explicit' to acknowledge them one by one")
    }
    const where = `${record.topic}-${record.partition}@${record.offset}`
    if (record.generation !== this.generation) throw new ShareAcknowledgementError(`${where} belongs to an earlier batch: records can be acknowledged only until the next batch is asked for`)
    if (record.acknowledgement !== undefined && record.acknowledgement !== 'renew') {
      throw new ShareAcknowledgementError(`${where} is already acknowledged (${record.acknowledgement})`)
    }
    record.acknowledgement = kind
    this.put(record.topic, record.partition, record.offset, WIRE[kind])
  }

  private put(topic: string, partition: number, offset: bigint, type: number): void {
    const k = tpKey(topic, partition)
    let p = this.pending.get(k)
    if (!p) this.pending.set(k, (p = { topic, partition, acks: new Map() }))
    p.acks.set(offset, type)
  }

  /** Implicit mode: accepts every record of the batch in hand not acknowledged yet. */
  acceptAllIfImplicit(): void {
    if (this.mode !== 'implicit') return
    for (const r of this.current) {
      if (r.acknowledgement === undefined) {
        r.acknowledgement = 'accept'
        this.put(r.topic, r.partition, r.offset, AcknowledgeType.ACCEPT)
      }
    }
  }

  /**
   * Closes the batch in hand before the next: implicit mode accepts what is left; explicit mode
   * throws when a record still lacks its final acknowledgement.
   */
  finishBatch(): void {
    this.acceptAllIfImplicit()
    const open = this.current.filter((r) => r.acknowledgement === undefined || r.acknowledgement === 'renew')
    if (open.length > 0) {
      const first = open[0]
      throw new ShareAcknowledgementError(
        `${open.length} record(s) of the last batch are not acknowledged (first: ${first.topic}-${first.partition}@${first.offset}): in explicit mode every record needs accept(), release() or reject() before the next batch`,
      )
    }
    this.current = []
    this.generation++
  }

  /** Puts back acknowledgements taken but not sent (their partition's leader was unknown); newer ones of the same offsets win. */
  restore(taken: readonly PartitionAcknowledgements[]): void {
    for (const p of taken) {
      for (const b of p.batches) {
        for (let o = b.firstOffset, i = 0; o <= b.lastOffset; o++, i++) {
          const k = tpKey(p.topic, p.partition)
          if (this.pending.get(k)?.acks.has(o)) continue
          this.put(p.topic, p.partition, o, b.acknowledgeTypes.length === 1 ? b.acknowledgeTypes[0] : b.acknowledgeTypes[i])
        }
      }
    }
  }

  /** True when acknowledgements wait to be sent. */
  get hasPending(): boolean {
    return this.pending.size > 0
  }

  /** Takes the acknowledgements waiting to be sent (of the partitions `which` accepts, default all). */
  take(which: (topic: string, partition: number) => boolean = () => true): PartitionAcknowledgements[] {
    const out: PartitionAcknowledgements[] = []
    for (const [k, p] of this.pending) {
      if (!which(p.topic, p.partition)) continue
      this.pending.delete(k)
      const batches = toAcknowledgementBatches(p.acks)
      const offsets = [...p.acks.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      const renew = [...p.acks.values()].includes(AcknowledgeType.RENEW)
      out.push({ topic: p.topic, partition: p.partition, batches, offsets, renew })
    }
    return out
  }
}
