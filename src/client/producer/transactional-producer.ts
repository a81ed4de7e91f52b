/**
 * TransactionalProducer: the Producer with a transaction manager (init, begin, send, sendOffsets,
 * commit, abort), and send promises that need no handling: commit() reports what failed.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { Client } from '../client.js'
import type { ConsumerGroupMetadata, OffsetToCommit } from '../consumer/group-consumer.js'
import { TransactionStateError } from './errors.js'
import { Producer, type ProducerRecord, type PartitionLastOffset, type RecordMetadata, type TransactionalProducerOptions } from './producer.js'
import type { TransactionManager } from './transaction-manager.js'
import type { TransactionState } from './txn-state.js'

/**
 * A transactional producer (the Java client's semantics): records sent between begin() and
 * commit() become visible to read_committed consumers together, or not at all after abort().
 *
 * ```ts
 * const producer = client.transactionalProducer({ transactionalId: 'orders-1' })
 * await producer.init()
 * producer.begin()
 * producer.send({ topic: 'orders', key, value })
 * await producer.sendOffsets(offsets, consumer.groupMetadata())
 * await producer.commit()
 * ```
 *
 * A newer instance with the same transactional id fences this one: every call then throws
 * {@link ProducerFencedError}. Calls in the wrong state throw {@link TransactionStateError}.
 */
export class TransactionalProducer extends Producer {
  declare protected readonly txn: TransactionManager
  /** Watchers of send promises not settled yet (they never reject): flush() and commit() wait for them. */
  private readonly unsettled = new Set<Promise<void>>()
  /** The first send failure, and the transaction (generation) it belongs to. */
  private sendFailure: { generation: number; err: Error } | undefined

  /** Use `client.transactionalProducer()`. */
  constructor(client: Client, options: TransactionalProducerOptions) {
    if (!options || typeof options.transactionalId !== 'string' || options.transactionalId.length === 0) {
      throw new InvalidArgumentError('a transactional producer needs a non-empty transactionalId')
    }
    super(client, options)
  }

  /** The transactional id. */
  get transactionalId(): string {
    return this.txn.transactionalId
  }

  /** Current state ('uninitialized', 'ready', 'in_transaction', ...). */
  get transactionState(): TransactionState {
    return this.txn.state
  }

  /**
   * The transaction protocol of the current (or last) transaction. 2 (KIP-890 part 2) where the
   * cluster finalizes `transaction.version` 2 (Kafka 4.0+ by default): partitions and offsets
   * join the transaction through Produce v12 and TxnOffsetCommit v5, with no AddPartitionsToTxn
   * or AddOffsetsToTxn round trips, and each transaction ends with a new producer epoch. 1
   * otherwise. Decided at each begin().
   */
  get transactionVersion(): 1 | 2 {
    return this.txn.transactionV2 ? 2 : 1
  }

  /** The producer id and epoch in use (-1n / -1 before init()); under transaction version 2 the epoch grows with every transaction. */
  get producerIdAndEpoch(): { producerId: bigint; epoch: number } {
    return { producerId: this.sender.producerId, epoch: this.sender.producerEpoch }
  }

  /**
   * Registers with the transaction coordinator (InitProducerId): fences older instances with
   * the same transactional id and completes (aborts) a transaction they left open. Call once
   * before the first begin(); after a {@link TransactionOutcomeUnknownError}, again to recover.
   */
  init(): Promise<void> {
    return this.txn.init()
  }

  /** Starts a transaction (local only: partitions join it with their first batch). */
  begin(): void {
    this.txn.begin()
  }

  /**
   * Sends a record in the current transaction; resolves with where it was written once its batch
   * is acknowledged (visible to read_committed consumers only after commit()). The promise need
   * not be awaited or handled: a record that fails (or is dropped because the transaction
   * aborts) never becomes an unhandled rejection, and its failure is reported by commit(),
   * which throws TransactionAbortableError with it as the cause.
   */
  override send(record: ProducerRecord): Promise<RecordMetadata> {
    return this.misuse() ?? this.watch(super.send(record))
  }

  /** Sends records in the current transaction; as {@link send}, the promise need not be handled. */
  override sendBatch(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    return this.misuse() ?? this.watch(super.sendBatch(records))
  }

  /** {@link sendBatch} resolving with the last offset per partition; as {@link send}, the promise need not be handled. */
  override sendBatchLastOffsets(records: readonly ProducerRecord[]): Promise<PartitionLastOffset[]> {
    return this.misuse() ?? this.watch(super.sendBatchLastOffsets(records))
  }

  /**
   * A send in the wrong state (before begin(), during abort()) joins no transaction that commit()
   * could report it in: its rejection stays unhandled unless the caller handles it, as Java's
   * send() throws at once.
   */
  private misuse(): Promise<never> | undefined {
    const err = this.txn.sendError()
    return err instanceof TransactionStateError ? Promise.reject(err) : undefined
  }

  /** Marks a send promise handled, keeping its failure for commit(). */
  private watch<T>(p: Promise<T>): Promise<T> {
    const generation = this.txn.generation
    const watcher: Promise<void> = p.then(
      () => {
        this.unsettled.delete(watcher)
      },
      (err: unknown) => {
        this.unsettled.delete(watcher)
        if (this.sendFailure === undefined || this.sendFailure.generation !== generation) {
          this.sendFailure = { generation, err: err instanceof Error ? err : new Error(String(err)) }
        }
      },
    )
    this.unsettled.add(watcher)
    return p
  }

  /**
   * Sends what is buffered and waits until every record sent so far is settled. A record of the
   * current transaction that failed makes it abortable (commit() then throws).
   */
  override async flush(): Promise<void> {
    await super.flush()
    while (this.unsettled.size > 0) await Promise.all([...this.unsettled])
    const failed = this.sendFailure
    if (failed !== undefined && failed.generation === this.txn.generation) this.txn.onAbortableError(failed.err, false)
  }

  /**
   * Commits the consumer's `offsets` (the next offsets to read) with this transaction, for
   * consume-transform-produce. `group` is `GroupConsumer.groupMetadata()`: the coordinator
   * refuses the commit if that consumer's generation is stale (KIP-447 fencing of zombies).
   * Retriable coordinator answers are retried for at most `maxBlockMs`; then it throws the last
   * error and the transaction must abort.
   */
  sendOffsets(offsets: readonly OffsetToCommit[], group: ConsumerGroupMetadata): Promise<void> {
    if (!Array.isArray(offsets)) return Promise.reject(new InvalidArgumentError('sendOffsets needs an array of offsets'))
    for (const o of offsets) {
      if (!o || typeof o.topic !== 'string' || !Number.isInteger(o.partition) || typeof o.offset !== 'bigint' || o.offset < 0n) {
        return Promise.reject(new InvalidArgumentError(`invalid offset to commit: ${JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`))
      }
    }
    if (!group || typeof group.groupId !== 'string') return Promise.reject(new InvalidArgumentError('sendOffsets needs the consumer group metadata'))
    return this.txn.sendOffsets(offsets, group)
  }

  /**
   * Flushes, then commits the transaction. Throws TransactionAbortableError when a record of
   * it failed, whether or not its send promise was handled (call abort()),
   * TransactionOutcomeUnknownError when the coordinator did not answer (call abort() or
   * init()), ProducerFencedError when fenced.
   */
  commit(): Promise<void> {
    return this.txn.commit()
  }

  /**
   * Aborts the transaction: records not sent yet fail, records in flight complete, then the
   * coordinator writes abort markers so read_committed consumers skip everything it wrote.
   */
  abort(): Promise<void> {
    return this.txn.abort()
  }

  /**
   * Flushes and closes (see {@link Producer.close}). A transaction still open is left to the
   * coordinator's timeout (or the next init()).
   */
  override async close(options: { timeoutMs?: number } = {}): Promise<void> {
    await super.close(options)
    await this.txn.close()
  }
}
