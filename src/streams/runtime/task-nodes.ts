/**
 * The nodes of a {@link StreamTask}: source, processor and sink runtimes, and the context a
 * processor gets (bound to its node; record-level state is read from the task).
 */
import { readUtf8 } from '../../protocol/primitives/utf8.js'
import { TopologyError } from '../errors.js'
import type { Cancellable, Processor, ProcessorContext, PunctuationType, Punctuator } from '../processor.js'
import type { Record, RecordMetadata } from '../record.js'
import type { Serde } from '../serde.js'
import type { StateStore } from '../state/store.js'
import type { CachedForwarder } from './cached-forward.js'
import type { WindowedAggregationContext } from '../dsl/windowed-context.js'
import { windowedStreamPartitioner } from '../dsl/windowed-partitioner.js'
import type { ProcessorMetadataContext } from '../processor-metadata-context.js'
import type { SinkNode, SourceNode, StreamPartitioner, TimestampExtractor, TopicNameExtractor } from '../topology/topology.js'
import type { SinkPartitioner } from './collector.js'
import type { StreamTask } from './task.js'
import type { AsyncTaskHost } from './async-stage.js'

export abstract class NodeRuntime {
  readonly name: string
  children: NodeRuntime[] = []
  constructor(name: string) {
    this.name = name
  }
  abstract process(record: Record<unknown, unknown>): void
}

export class SourceRuntime extends NodeRuntime {
  readonly keySerde: Serde<unknown>
  readonly valueSerde: Serde<unknown>
  readonly extractor: TimestampExtractor | undefined
  constructor(def: SourceNode, keySerde: Serde<unknown>, valueSerde: Serde<unknown>) {
    super(def.name)
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    this.extractor = def.timestampExtractor
  }
  process(record: Record<unknown, unknown>): void {
    const ch = this.children
    for (let i = 0; i < ch.length; i++) ch[i].process(record)
  }
}

export class ProcessorRuntime extends NodeRuntime {
  processor!: Processor<unknown, unknown, unknown, unknown>
  context!: NodeContext
  process(record: Record<unknown, unknown>): void {
    this.processor.process(record)
  }
}

export class SinkRuntime extends NodeRuntime {
  readonly #task: StreamTask
  readonly topic: string | null
  readonly extractor: TopicNameExtractor<unknown, unknown> | null
  readonly keySerde: Serde<unknown>
  readonly valueSerde: Serde<unknown>
  readonly userPartitioner: StreamPartitioner<unknown, unknown> | undefined

  constructor(task: StreamTask, def: SinkNode, topic: string | null, keySerde: Serde<unknown>, valueSerde: Serde<unknown>) {
    super(def.name)
    this.#task = task
    this.topic = topic
    this.extractor = typeof def.topic === 'function' ? def.topic : null
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    // A windowed key serde partitions by the inner key (Kafka Streams' WindowedStreamPartitioner).
    this.userPartitioner = def.partitioner ?? windowedStreamPartitioner(keySerde)
  }

  process(record: Record<unknown, unknown>): void {
    const task = this.#task
    const topic = this.topic ?? (this.extractor as TopicNameExtractor<unknown, unknown>)(record.key, record.value, task.recordContext())
    // Text serdes hand over their string: it is written into the record batch without a Buffer.
    const ks = this.keySerde
    const vs = this.valueSerde
    const key = ks.serializeText !== undefined ? ks.serializeText(topic, record.key) : ks.serialize(topic, record.key)
    const value = vs.serializeText !== undefined ? vs.serializeText(topic, record.value) : vs.serialize(topic, record.value)
    if (this.userPartitioner === undefined) {
      task.collector.send(topic, key, value, record.headers, record.timestamp)
      return
    }
    // The collector may pick the partition after send returns (a topic whose partition count it
    // has yet to learn), so the partitioner keeps this record's key and value.
    task.collector.send(topic, key, value, record.headers, record.timestamp, new RecordPartitioner(this.userPartitioner, record.key, record.value))
  }
}

/** A sink's partitioner bound to one record. */
class RecordPartitioner implements SinkPartitioner {
  constructor(
    private readonly partitioner: StreamPartitioner<unknown, unknown>,
    private readonly key: unknown,
    private readonly value: unknown,
  ) {}

  partition(topic: string, _key: Buffer | string | null, _value: Buffer | string | null, numPartitions: number): number | undefined {
    return this.partitioner(topic, this.key, this.value, numPartitions)
  }
}

/** A key or value from its position in fetched bytes (length -1: null), through the serde's text path when it has one. */
export function deserializeAt(serde: Serde<unknown>, topic: string, buf: Buffer, start: number, length: number): unknown {
  if (serde.deserializeText !== undefined) return serde.deserializeText(topic, length < 0 ? null : readUtf8(buf, start, start + length))
  return serde.deserialize(topic, length < 0 ? null : buf.subarray(start, start + length))
}

export class Schedule implements Cancellable {
  cancelled = false
  constructor(
    readonly node: ProcessorRuntime,
    readonly interval: number,
    public next: number,
    readonly callback: Punctuator,
  ) {}
  cancel(): void {
    this.cancelled = true
  }
}

/** The context a processor gets: bound to its node; record-level state is read from the task. */
export class NodeContext implements ProcessorContext<unknown, unknown>, WindowedAggregationContext, ProcessorMetadataContext {
  readonly #task: StreamTask
  readonly #node: ProcessorRuntime
  readonly #stores: ReadonlySet<string>
  /** Set when the node's table updates go through the record cache. */
  cache: CachedForwarder | null = null
  /** The store of the cached table (seen through {@link CachedForwarder.wrapStore}). */
  cachedStore: string | null = null
  #cachedView: StateStore | undefined
  constructor(task: StreamTask, node: ProcessorRuntime, stores: readonly string[]) {
    this.#task = task
    this.#node = node
    this.#stores = new Set(stores)
  }
  get applicationId(): string {
    return this.#task.applicationId
  }
  get taskId(): string {
    return this.#task.id
  }
  forward(record: Record<unknown, unknown>, childName?: string): void {
    if (this.cache !== null && childName === undefined && this.cache.hold(record)) return
    this.forwardNow(record, childName)
  }
  /** Sends a record to the children, past the record cache. */
  forwardNow(record: Record<unknown, unknown>, childName?: string): void {
    const task = this.#task
    const saved = task.currentTimestamp
    task.currentTimestamp = record.timestamp
    try {
      const ch = this.#node.children
      if (childName === undefined) {
        for (let i = 0; i < ch.length; i++) ch[i].process(record)
      } else {
        const child = ch.find((c) => c.name === childName)
        if (child === undefined) throw new TopologyError(`'${childName}' is not a child of '${this.#node.name}'`)
        child.process(record)
      }
    } finally {
      task.currentTimestamp = saved
    }
  }
  getStateStore<S extends StateStore>(name: string): S {
    if (this.#stores.has(name)) {
      const store = this.#task.processorStore(name) as StateStore
      // A cached table's processor sees its store through the cache (it notes replaced values).
      if (this.cache !== null && name === this.cachedStore) return (this.#cachedView ??= this.cache.wrapStore(store)) as S
      return store as S
    }
    const global = this.#task.globalStore(name)
    if (global !== undefined) return global as S
    throw new TopologyError(`processor '${this.#node.name}' has no access to state store '${name}' (connect it to the processor)`)
  }
  schedule(intervalMs: number, type: PunctuationType, callback: Punctuator): Cancellable {
    return this.#task.schedule(this.#node, intervalMs, type, callback)
  }
  recordMetadata(): RecordMetadata | null {
    return this.#task.recordMetadata()
  }
  currentStreamTimeMs(): number {
    return this.#task.streamTime
  }
  currentSystemTimeMs(): number {
    return this.#task.clock()
  }
  /** @internal The serde the task uses for `serde` (the default when undefined), for DSL processors that serialize. */
  resolveSerde(serde: Serde<unknown> | undefined, which: 'key' | 'value', where: string): Serde<unknown> {
    return this.#task.resolveSerde(serde, which, where)
  }
  /** @internal {@link WindowedAggregationContext}: TaskConfig.windowedEmitIntervalMs. */
  windowedEmitIntervalMs(): number | undefined {
    return this.#task.windowedEmitIntervalMs
  }
  /** @internal OuterJoinContext (stream-stream joins): TaskConfig.outerJoinEmitIntervalMs. */
  outerJoinEmitIntervalMs(): number | undefined {
    return this.#task.outerJoinEmitIntervalMs
  }
  /** @internal {@link ProcessorMetadataContext}: the task's processor metadata. */
  processorMetadataForKey(key: string): number | undefined {
    return this.#task.processorMetadata.get(key)
  }
  /** @internal {@link ProcessorMetadataContext}. */
  addProcessorMetadata(key: string, value: number): void {
    this.#task.processorMetadata.put(key, value)
  }
  /** @internal What async stages (async-stage.ts) use of the task. */
  asyncHost(): AsyncTaskHost {
    return this.#task.asyncHost()
  }
  /** @internal {@link WindowedAggregationContext}: counted per task, the first one logged. */
  recordDropped(reason: string, details: Readonly<globalThis.Record<string, unknown>>): void {
    this.#task.recordDropped(this.#node.name, reason, details)
  }
}
