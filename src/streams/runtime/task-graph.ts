/**
 * Builds what a {@link StreamTask} runs from its sub-topologies: the stores (typed, logged to the
 * changelog unless disabled), then the node runtimes (sources, processors with their contexts,
 * sinks) wired to their children in the task, with the record cache in front of cached tables and
 * window stores when the application has one.
 */
import { TopologyError } from '../errors.js'
import { buildKeyValueStore, type BuiltStore, type StoreBuildEnv } from '../state/built-store.js'
import { CachingWindowStore, type FlushForward } from '../state/caching-window-store.js'
import type { CacheFlushable, RecordCache } from '../state/record-cache.js'
import type { ChangelogSink } from '../state/store.js'
import { buildTimestampedKeyValueStore } from '../state/timestamped.js'
import { SerdeWindowStore } from '../state/typed-window.js'
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js'
import { isVersionedStoreBuilder } from '../state/versioned-store-builder.js'
import { isWindowedStoreBuilder } from '../state/window-store-builders.js'
import { changelogTopic } from '../topology/naming.js'
import type { CachedForwardSpec, Subtopology, Topology, TopologyNode } from '../topology/topology.js'
import { CachedForwarder } from './cached-forward.js'
import type { TaskRecordContext } from './record-context.js'
import { resolveTaskSerde, type TaskConfig } from './task-config.js'
import { NodeContext, ProcessorRuntime, SinkRuntime, SourceRuntime, type NodeRuntime } from './task-nodes.js'
import type { StreamTask } from './task.js'

/** The stores and node runtimes of one task. */
export interface TaskGraph {
  /** Stores of the task: the typed store processors open, and its restore path. */
  readonly stores: Map<string, BuiltStore>
  readonly processors: ProcessorRuntime[]
  /** Record cache namespaces of the task's cached tables and caching stores, in topology order. */
  readonly caches: CacheFlushable[]
  readonly sourcesByTopic: Map<string, SourceRuntime>
  readonly patternSources: Array<{ pattern: RegExp; source: SourceRuntime }>
}

/** Builds the stores and nodes of `subs` (the task's sub-topologies) for `task`. */
export function buildTaskGraph(
  task: StreamTask,
  topology: Topology,
  subs: readonly Subtopology[],
  config: TaskConfig,
  record: TaskRecordContext,
  changelogSink: ChangelogSink,
): TaskGraph {
  const graph: TaskGraph = { stores: new Map(), processors: [], caches: [], sourcesByTopic: new Map(), patternSources: [] }
  const serde = resolveTaskSerde.bind(null, config)

  // Stores first: processors may open them in init().
  for (const sub of subs) {
    for (const storeName of sub.stores) {
      const reg = topology.stores.get(storeName)
      if (reg === undefined) throw new TopologyError(`state store '${storeName}' is not registered`)
      const env: StoreBuildEnv = {
        context: { applicationId: task.applicationId, taskId: task.id, stateDir: config.stateDir },
        changelog: reg.builder.loggingEnabled && !reg.global ? changelogSink : null,
        time: task,
        keySerde: serde(reg.builder.keySerde, 'key', `state store '${storeName}'`),
        valueSerde: serde(reg.builder.valueSerde, 'value', `state store '${storeName}'`),
        serdeTopic: changelogTopic(task.applicationId, storeName),
      }
      const builder = reg.builder
      graph.stores.set(
        storeName,
        isWindowedStoreBuilder(builder) || isVersionedStoreBuilder(builder)
          ? builder.build(env)
          : builder.timestamped
            ? buildTimestampedKeyValueStore(builder.supplier, env)
            : buildKeyValueStore(builder.supplier, env),
      )
    }
  }

  // Nodes: create, then wire children (only those in this task).
  const runtimes = new Map<string, NodeRuntime>()
  const forwarders = new Map<string, CachedForwarder>()
  for (const sub of subs) {
    for (const name of sub.nodes) {
      const def = topology.nodes.get(name) as TopologyNode
      if (def.kind === 'source') {
        const src = new SourceRuntime(def, serde(def.keySerde, 'key', `source '${name}'`), serde(def.valueSerde, 'value', `source '${name}'`))
        runtimes.set(name, src)
        for (const t of def.topics) graph.sourcesByTopic.set(topology.topicName(task.applicationId, t), src)
        if (def.pattern !== null) graph.patternSources.push({ pattern: def.pattern, source: src })
      } else if (def.kind === 'sink') {
        const topic = typeof def.topic === 'string' ? topology.topicName(task.applicationId, def.topic) : null
        runtimes.set(name, new SinkRuntime(task, def, topic, serde(def.keySerde, 'key', `sink '${name}'`), serde(def.valueSerde, 'value', `sink '${name}'`)))
      } else {
        const p = new ProcessorRuntime(name)
        p.processor = def.supplier()
        p.context = new NodeContext(task, p, def.stores)
        const cached = topology.cachedForwards.get(name)
        if (cached?.windowStore !== undefined) {
          if (config.recordCache?.enabled === true) cacheWindowStore(graph, task.id, record, config.recordCache, cached, p.context)
          runtimes.set(name, p)
          graph.processors.push(p)
          continue
        }
        // Processors caching into the same store (a cogroup's aggregates, which share their one
        // child) share one forwarder: one cache namespace, as Kafka Streams has one cached store.
        const shared = cached === undefined ? undefined : forwarders.get(cached.storeName)
        if (cached !== undefined && shared !== undefined) {
          p.context.cache = shared
          p.context.cachedStore = cached.storeName
        } else if (cached !== undefined && config.recordCache?.enabled === true) {
          const ctx = p.context
          const where = `the cached table of '${name}'`
          ctx.cache = new CachedForwarder(
            config.recordCache,
            `${task.id}/${name}`,
            serde(cached.keySerde, 'key', where),
            serde(cached.valueSerde, 'value', where),
            changelogTopic(task.applicationId, cached.storeName),
            () => record.recordMetadata(),
            (r, context) => record.inRecordContext(context, r.headers, () => ctx.forwardNow(r)),
            () => (record.recordMetadata() === null ? null : record.currentHeaders),
          )
          ctx.cachedStore = cached.storeName
          graph.caches.push(ctx.cache.namespace)
          forwarders.set(cached.storeName, ctx.cache)
        }
        runtimes.set(name, p)
        graph.processors.push(p)
      }
    }
  }
  for (const [name, rt] of runtimes) {
    const def = topology.nodes.get(name) as TopologyNode
    rt.children = def.children.map((c) => runtimes.get(c)).filter((c): c is NodeRuntime => c !== undefined)
  }
  return graph
}

/**
 * Puts the record cache in front of a time-window aggregation's window store (once per store:
 * a cogroup's aggregates share it and their one child).
 */
function cacheWindowStore(graph: TaskGraph, taskId: string, record: TaskRecordContext, cache: RecordCache, spec: CachedForwardSpec, ctx: NodeContext): void {
  const built = graph.stores.get(spec.storeName)
  if (built === undefined) throw new TopologyError(`task ${taskId} has no state store '${spec.storeName}'`)
  if (!(built.store instanceof SerdeWindowStore)) return
  const inner = built.store as SerdeWindowStore<unknown, ValueAndTimestamp<unknown>>
  const forward: FlushForward | null =
    spec.windowStore === 'on-update' ? (key, newValue, oldValue, timestamp, headers) => ctx.forwardNow({ key, value: { newValue, oldValue }, timestamp, headers }) : null
  const store = new CachingWindowStore(cache, `${taskId}/${spec.storeName}`, inner, record, forward)
  graph.stores.set(spec.storeName, {
    ...built,
    store,
    queryStore: store,
    wipe: () => {
      store.clearCache()
      built.wipe()
    },
  })
  graph.caches.push(store)
}
