/**
 * The topology: a graph of source, processor and sink nodes plus the stores they use. It is both
 * the Processor API builder (`addSource` / `addProcessor` / `addSink` / `addStateStore`) and what
 * `StreamsBuilder.build()` returns. The runtime reads its sub-topologies, internal topics and
 * co-partition groups; {@link Topology.resolveInternalTopics} computes partition counts.
 */
import type { ProcessorSupplier } from '../processor.js'
import type { RecordHeaders } from '../record.js'
import type { Serde } from '../serde.js'
import { StoreBuilder } from '../state/stores.js'
import { isVersionedStoreBuilder, type VersionedStoreBuilder } from '../state/versioned-store-builder.js'
import { isWindowedStoreBuilder, type SessionStoreBuilder, type WindowedStoreBuilder, type WindowStoreBuilder } from '../state/window-store-builders.js'
import { TopologyError } from '../errors.js'
import { describeTopology, type TopologyDescription } from './describe.js'
import { changelogTopic } from './naming.js'
import type { StreamExport } from '../stream-export.js'

/** What a timestamp extractor sees: the consumed record, already deserialized. */
export interface ConsumedRecordInfo<K, V> {
  readonly topic: string
  readonly partition: number
  readonly offset: bigint
  readonly key: K
  readonly value: V
  /** The timestamp in the Kafka record. */
  readonly timestamp: number
  readonly headers: RecordHeaders
}

/**
 * Event time of a consumed record. `partitionTime` is the largest timestamp seen so far on the
 * record's partition (-1 before any). A negative result drops the record (logged).
 */
export type TimestampExtractor<K = unknown, V = unknown> = (record: ConsumedRecordInfo<K, V>, partitionTime: number) => number

/** Context given to a dynamic sink topic chooser. */
export interface RecordContext {
  readonly topic: string | null
  readonly partition: number
  readonly offset: bigint
  readonly timestamp: number
  readonly headers: RecordHeaders
}

/** Chooses the output topic per record. */
export type TopicNameExtractor<K, V> = (key: K, value: V, context: RecordContext) => string

/** Chooses the output partition; undefined falls back to murmur2 of the key bytes. */
export type StreamPartitioner<K, V> = (topic: string, key: K, value: V, numPartitions: number) => number | undefined

/** Options of {@link Topology.addSource}. */
export interface SourceOptions<K, V> {
  keySerde?: Serde<K>
  valueSerde?: Serde<V>
  timestampExtractor?: TimestampExtractor<K, V>
}

/** Options of {@link Topology.addSink}. */
export interface SinkOptions<K, V> {
  keySerde?: Serde<K>
  valueSerde?: Serde<V>
  partitioner?: StreamPartitioner<K, V>
}

export interface SourceNode {
  readonly kind: 'source'
  readonly name: string
  readonly topics: readonly string[]
  readonly pattern: RegExp | null
  readonly keySerde: Serde<unknown> | undefined
  readonly valueSerde: Serde<unknown> | undefined
  readonly timestampExtractor: TimestampExtractor | undefined
  readonly parents: string[]
  readonly children: string[]
}

export interface ProcessorNode {
  readonly kind: 'processor'
  readonly name: string
  readonly supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>
  readonly stores: string[]
  readonly parents: string[]
  readonly children: string[]
}

export interface SinkNode {
  readonly kind: 'sink'
  readonly name: string
  readonly topic: string | TopicNameExtractor<unknown, unknown>
  readonly keySerde: Serde<unknown> | undefined
  readonly valueSerde: Serde<unknown> | undefined
  readonly partitioner: StreamPartitioner<unknown, unknown> | undefined
  readonly parents: string[]
  readonly children: string[]
}

export type TopologyNode = SourceNode | ProcessorNode | SinkNode

/** A store registered in the topology. */
export interface StoreRegistration {
  /** A key-value, window, session or versioned store builder. */
  readonly builder: StoreBuilder<unknown, unknown> | WindowedStoreBuilder | VersionedStoreBuilder<unknown, unknown>
  /** Global stores are filled from their source topic in every instance, never logged. */
  readonly global: boolean
}

/**
 * A processor that materializes a DSL table in a store with caching on: its forwards go through
 * the record cache (keys and values serialized with these serdes, for identity and size).
 */
export interface CachedForwardSpec {
  readonly storeName: string
  readonly keySerde: Serde<unknown> | undefined
  readonly valueSerde: Serde<unknown> | undefined
}

/** A connected component of the topology; the runtime creates one task per partition of it. */
export interface Subtopology {
  readonly id: number
  /** Node names in insertion order. */
  readonly nodes: readonly string[]
  /** Source topics as named in the topology (internal ones without the application id prefix). */
  readonly sourceTopics: readonly string[]
  readonly sourcePatterns: readonly RegExp[]
  readonly sinkTopics: readonly string[]
  readonly stores: readonly string[]
  /** A global store's sub-topology: updated by the global task, generates no stream tasks. */
  readonly global: boolean
}

/** An internal topic the runtime must create, with its resolved name and partition count. */
export interface InternalTopic {
  /** Full name, `<applicationId>-...`. */
  readonly name: string
  readonly kind: 'repartition' | 'changelog'
  readonly partitions: number
  /** Topic configs (changelogs are compacted). */
  readonly config: Readonly<globalThis.Record<string, string>>
}

/** Result of {@link Topology.resolveInternalTopics}. */
export interface ResolvedTopics {
  internalTopics: InternalTopic[]
  /** Number of tasks (= partitions) per non-global sub-topology id. */
  tasksPerSubtopology: Map<number, number>
}

/** A topology of processors. */
export class Topology {
  /** @internal */ readonly nodes = new Map<string, TopologyNode>()
  /** @internal */ readonly stores = new Map<string, StoreRegistration>()
  /** Repartition topics (unprefixed name -> fixed partition count, if any). @internal */
  readonly repartitionTopics = new Map<string, number | undefined>()
  /** Groups of source node names whose topics must be co-partitioned. @internal */
  readonly copartitionSourceGroups: string[][] = []
  /** Processors whose forwards go through the record cache, by processor name. @internal */
  readonly cachedForwards = new Map<string, CachedForwardSpec>()
  /** In-process exports (`KStream.toAsyncIterable()`) the runtime feeds and waits on. @internal */
  readonly exports: Array<StreamExport<unknown, unknown>> = []
  #subtopologies: Subtopology[] | null = null
  /** Topics bound to pattern sources (by source node name), set by the runtime from cluster metadata. */
  readonly #patternTopics = new Map<string, string[]>()

  /** Adds a source node reading `topics` (one, several, or every topic matching a RegExp). */
  addSource<K = Buffer, V = Buffer>(name: string, topics: string | readonly string[] | RegExp, options: SourceOptions<K, V> = {}): this {
    this.#checkNewName(name)
    const pattern = topics instanceof RegExp ? topics : null
    const list = topics instanceof RegExp ? [] : typeof topics === 'string' ? [topics] : [...topics]
    if (pattern === null && list.length === 0) throw new TopologyError(`source '${name}' needs at least one topic`)
    for (const t of list) {
      for (const n of this.nodes.values()) {
        if (n.kind === 'source' && n.topics.includes(t)) throw new TopologyError(`topic '${t}' is already read by source '${n.name}'`)
      }
    }
    this.nodes.set(name, {
      kind: 'source',
      name,
      topics: list,
      pattern,
      keySerde: options.keySerde as Serde<unknown> | undefined,
      valueSerde: options.valueSerde as Serde<unknown> | undefined,
      timestampExtractor: options.timestampExtractor as TimestampExtractor | undefined,
      parents: [],
      children: [],
    })
    this.#subtopologies = null
    return this
  }

  /** Adds a processor node fed by `parentNames`. */
  addProcessor<KIn, VIn, KOut, VOut>(name: string, supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>, ...parentNames: string[]): this {
    this.#checkNewName(name)
    if (parentNames.length === 0) throw new TopologyError(`processor '${name}' needs at least one parent`)
    const node: ProcessorNode = {
      kind: 'processor',
      name,
      supplier: supplier as unknown as ProcessorSupplier<unknown, unknown, unknown, unknown>,
      stores: [],
      parents: [],
      children: [],
    }
    this.nodes.set(name, node)
    this.#connect(node, parentNames)
    return this
  }

  /** Adds a sink node writing to `topic` (or the topic chosen per record). */
  addSink<K, V>(name: string, topic: string | TopicNameExtractor<K, V>, ...parentNames: string[]): this
  addSink<K, V>(name: string, topic: string | TopicNameExtractor<K, V>, options: SinkOptions<K, V>, ...parentNames: string[]): this
  addSink<K, V>(name: string, topic: string | TopicNameExtractor<K, V>, ...rest: Array<string | SinkOptions<K, V>>): this {
    this.#checkNewName(name)
    const options = typeof rest[0] === 'object' ? (rest.shift() as SinkOptions<K, V>) : {}
    const parentNames = rest as string[]
    if (parentNames.length === 0) throw new TopologyError(`sink '${name}' needs at least one parent`)
    const node: SinkNode = {
      kind: 'sink',
      name,
      topic: topic as string | TopicNameExtractor<unknown, unknown>,
      keySerde: options.keySerde as Serde<unknown> | undefined,
      valueSerde: options.valueSerde as Serde<unknown> | undefined,
      partitioner: options.partitioner as StreamPartitioner<unknown, unknown> | undefined,
      parents: [],
      children: [],
    }
    this.nodes.set(name, node)
    this.#connect(node, parentNames)
    return this
  }

  /** Registers a store (key-value, window or session) and connects it to the named processors. */
  addStateStore<K, V>(builder: StoreBuilder<K, V> | WindowStoreBuilder<K, V> | SessionStoreBuilder<K, V> | VersionedStoreBuilder<K, V>, ...processorNames: string[]): this {
    if (this.stores.has(builder.name)) throw new TopologyError(`state store '${builder.name}' is already added`)
    this.stores.set(builder.name, { builder: builder as unknown as StoreRegistration['builder'], global: false })
    for (const p of processorNames) this.connectProcessorAndStateStores(p, builder.name)
    return this
  }

  /** Gives a processor access to stores added before. */
  connectProcessorAndStateStores(processorName: string, ...storeNames: string[]): this {
    const node = this.nodes.get(processorName)
    if (node === undefined || node.kind !== 'processor') throw new TopologyError(`'${processorName}' is not a processor of this topology`)
    for (const s of storeNames) {
      const reg = this.stores.get(s)
      if (reg === undefined) throw new TopologyError(`state store '${s}' is not added to the topology`)
      if (reg.global) throw new TopologyError(`global store '${s}' is readable from every processor; it cannot be connected`)
      if (!node.stores.includes(s)) node.stores.push(s)
    }
    this.#subtopologies = null
    return this
  }

  /**
   * Adds a global store: every instance reads all partitions of `topic` into it through the
   * processor (which typically puts each record into the store). Logging is always off.
   */
  addGlobalStore<K, V>(
    builder: StoreBuilder<K, V>,
    sourceName: string,
    topic: string,
    options: SourceOptions<K, V>,
    processorName: string,
    supplier: ProcessorSupplier<K, V, void, void>,
  ): this {
    if (this.stores.has(builder.name)) throw new TopologyError(`state store '${builder.name}' is already added`)
    this.addSource(sourceName, topic, options)
    this.addProcessor(processorName, supplier, sourceName)
    const b = builder.withLoggingDisabled()
    this.stores.set(b.name, { builder: b as unknown as StoreBuilder<unknown, unknown>, global: true })
    ;(this.nodes.get(processorName) as ProcessorNode).stores.push(b.name)
    return this
  }

  /** Sends a DSL table processor's forwards through the record cache. @internal */
  cacheForwards(processorName: string, spec: CachedForwardSpec): void {
    this.cachedForwards.set(processorName, spec)
  }

  /** Marks `topic` as a repartition topic (created by the runtime, prefixed with the application id). @internal */
  addRepartitionTopic(topic: string, partitions?: number): void {
    this.repartitionTopics.set(topic, partitions)
    this.#subtopologies = null
  }

  /** Requires the topics of these source nodes to be co-partitioned. @internal */
  copartition(sourceNodeNames: Iterable<string>): void {
    const group = [...new Set(sourceNodeNames)]
    if (group.length > 1) this.copartitionSourceGroups.push(group)
  }

  /** The serdes of the source node reading `topic` (by name, not pattern), if any. @internal */
  sourceSerdesFor(topic: string): { keySerde?: Serde<unknown>; valueSerde?: Serde<unknown> } | undefined {
    for (const n of this.nodes.values()) {
      if (n.kind === 'source' && n.topics.includes(topic)) return { keySerde: n.keySerde, valueSerde: n.valueSerde }
    }
    return undefined
  }

  /** The name a topic has on the broker: internal topics get the `<applicationId>-` prefix. */
  topicName(applicationId: string, topic: string): string {
    return this.repartitionTopics.has(topic) ? `${applicationId}-${topic}` : topic
  }

  /** True when the store is global. */
  isGlobalStore(name: string): boolean {
    return this.stores.get(name)?.global === true
  }

  /** Connected components, numbered in node insertion order. */
  subtopologies(): readonly Subtopology[] {
    if (this.#subtopologies === null) this.#subtopologies = this.#computeSubtopologies()
    return this.#subtopologies
  }

  /**
   * Binds every pattern source to the existing topics it matches (the runtime calls this at
   * start with the cluster's topic names), so sub-topologies list them as source topics.
   * Returns the patterns that match no topic.
   */
  resolvePatternSources(topics: readonly string[]): RegExp[] {
    const unmatched: RegExp[] = []
    for (const node of this.nodes.values()) {
      if (node.kind !== 'source' || node.pattern === null) continue
      const pattern = node.pattern
      const matched = topics.filter((t) => pattern.test(t) && !node.topics.includes(t)).sort()
      this.#patternTopics.set(node.name, matched)
      if (matched.length === 0) unmatched.push(pattern)
    }
    this.#subtopologies = null
    return unmatched
  }

  /** The sub-topology reading `topic` (unprefixed name), if any. */
  subtopologyForTopic(topic: string): Subtopology | undefined {
    return this.subtopologies().find((s) => s.sourceTopics.includes(topic) || s.sourcePatterns.some((p) => p.test(topic)))
  }

  /** Readable description, like Kafka Streams' TopologyDescription (`toString()` prints it). */
  describe(): TopologyDescription {
    return describeTopology(this)
  }

  /**
   * Internal topics to create and the task count per sub-topology, given the partition counts of
   * the external source topics. Repartition topics without a fixed count take the largest count
   * of the topics feeding the sub-topology that writes them; changelogs get one partition per
   * task. Throws a TopologyError when co-partitioned topics have different partition counts.
   */
  resolveInternalTopics(applicationId: string, partitionsOf: (topic: string) => number | undefined): ResolvedTopics {
    const subs = this.subtopologies().filter((s) => !s.global)
    const counts = new Map<string, number>()
    for (const [t, n] of this.repartitionTopics) if (n !== undefined) counts.set(t, n)
    const countOf = (t: string): number | undefined => {
      if (this.repartitionTopics.has(t)) return counts.get(t)
      const n = partitionsOf(t)
      if (n === undefined) throw new TopologyError(`source topic '${t}' does not exist (partition count unknown)`)
      return n
    }
    // Co-partition groups as topic lists.
    const groups = this.copartitionSourceGroups.map((g) => [...new Set(g.flatMap((n) => (this.nodes.get(n) as SourceNode).topics))])
    // Fixed point: a repartition topic inherits from the sources of the sub-topology writing it, or
    // from external topics it must be co-partitioned with.
    for (let changed = true; changed; ) {
      changed = false
      for (const group of groups) {
        const known = group.map(countOf).filter((n): n is number => n !== undefined)
        if (known.length === 0) continue
        const max = Math.max(...known)
        for (const t of group) {
          if (this.repartitionTopics.has(t) && !counts.has(t)) {
            counts.set(t, max)
            changed = true
          }
        }
      }
      for (const s of subs) {
        const writes = s.sinkTopics.filter((t) => this.repartitionTopics.has(t) && !counts.has(t))
        if (writes.length === 0) continue
        const known = s.sourceTopics.map(countOf)
        if (known.some((n) => n === undefined) || known.length === 0) continue
        const max = Math.max(...(known as number[]))
        for (const t of writes) counts.set(t, max)
        changed = true
      }
    }
    for (const t of this.repartitionTopics.keys()) {
      if (!counts.has(t)) throw new TopologyError(`cannot determine the partition count of repartition topic '${t}'`)
    }
    for (const group of groups) {
      const withCounts = group.map((t) => ({ t, n: countOf(t) as number }))
      if (new Set(withCounts.map((x) => x.n)).size > 1) {
        throw new TopologyError(
          `topics not co-partitioned: ${withCounts.map((x) => `${this.topicName(applicationId, x.t)} (${x.n} partitions)`).join(', ')}; ` +
            'joined streams and tables need the same number of partitions (repartition one side with the right count)',
        )
      }
    }
    const tasksPerSubtopology = new Map<number, number>()
    const internalTopics: InternalTopic[] = []
    for (const [t] of this.repartitionTopics) {
      internalTopics.push({
        name: `${applicationId}-${t}`,
        kind: 'repartition',
        partitions: counts.get(t) as number,
        config: { 'cleanup.policy': 'delete', 'segment.bytes': '52428800', 'retention.ms': '-1' },
      })
    }
    for (const s of subs) {
      const ns = s.sourceTopics.map((t) => countOf(t) as number)
      const tasks = ns.length === 0 ? 1 : Math.max(...ns)
      tasksPerSubtopology.set(s.id, tasks)
      for (const store of s.stores) {
        const reg = this.stores.get(store) as StoreRegistration
        if (!reg.builder.loggingEnabled || reg.global) continue
        internalTopics.push({
          name: changelogTopic(applicationId, store),
          kind: 'changelog',
          partitions: tasks,
          // Window and session changelogs are also deleted past the store's retention.
          config: isWindowedStoreBuilder(reg.builder) || isVersionedStoreBuilder(reg.builder) ? reg.builder.changelogTopicConfig() : { 'cleanup.policy': 'compact', ...reg.builder.changelogConfig },
        })
      }
    }
    return { internalTopics, tasksPerSubtopology }
  }

  #checkNewName(name: string): void {
    if (typeof name !== 'string' || name.length === 0) throw new TopologyError('node names must be non-empty strings')
    if (this.nodes.has(name)) throw new TopologyError(`a node named '${name}' is already in the topology`)
  }

  #connect(node: TopologyNode, parentNames: string[]): void {
    for (const p of parentNames) {
      const parent = this.nodes.get(p)
      if (parent === undefined) throw new TopologyError(`parent '${p}' of '${node.name}' is not in the topology`)
      if (parent.kind === 'sink') throw new TopologyError(`sink '${p}' cannot have children`)
      if (parent.name === node.name) throw new TopologyError(`'${p}' cannot be its own parent`)
      if (!parent.children.includes(node.name)) parent.children.push(node.name)
      if (!node.parents.includes(p)) node.parents.push(p)
    }
    this.#subtopologies = null
  }

  #computeSubtopologies(): Subtopology[] {
    const names = [...this.nodes.keys()]
    const root = new Map<string, string>(names.map((n) => [n, n]))
    const find = (n: string): string => {
      let r = n
      while (root.get(r) !== r) r = root.get(r) as string
      root.set(n, r)
      return r
    }
    const union = (a: string, b: string): void => {
      const ra = find(a)
      const rb = find(b)
      if (ra !== rb) root.set(rb, ra)
    }
    const storeUser = new Map<string, string>()
    for (const node of this.nodes.values()) {
      for (const c of node.children) union(node.name, c)
      if (node.kind === 'processor') {
        for (const s of node.stores) {
          const other = storeUser.get(s)
          if (other === undefined) storeUser.set(s, node.name)
          else union(other, node.name)
        }
      }
    }
    const byRoot = new Map<string, string[]>()
    for (const n of names) {
      const r = find(n)
      const list = byRoot.get(r)
      if (list === undefined) byRoot.set(r, [n])
      else list.push(n)
    }
    let id = 0
    const result: Subtopology[] = []
    for (const members of byRoot.values()) {
      const sourceTopics: string[] = []
      const sourcePatterns: RegExp[] = []
      const sinkTopics: string[] = []
      const stores: string[] = []
      let global = false
      for (const n of members) {
        const node = this.nodes.get(n) as TopologyNode
        if (node.kind === 'source') {
          sourceTopics.push(...node.topics, ...(this.#patternTopics.get(node.name) ?? []))
          if (node.pattern !== null) sourcePatterns.push(node.pattern)
        } else if (node.kind === 'sink') {
          if (typeof node.topic === 'string' && !sinkTopics.includes(node.topic)) sinkTopics.push(node.topic)
        } else {
          for (const s of node.stores) {
            if (!stores.includes(s)) stores.push(s)
            if (this.stores.get(s)?.global) global = true
          }
        }
      }
      result.push({ id: id++, nodes: members, sourceTopics, sourcePatterns, sinkTopics, stores, global })
    }
    return result
  }
}
