/**
 * The global task of an instance (Kafka Streams' GlobalStreamThread): every global store, fed
 * from all partitions of its source topics, bootstrapped to their end before any stream task
 * runs, then kept up to date in the background.
 */
import type { Logger } from 'pino'
import type { Client } from '../../client/client.js'
import type { TopicPartition } from '../../client/consumer/assignor.js'
import type { Fetcher } from '../../client/consumer/fetcher.js'
import type { StateStore } from '../state/store.js'
import type { Topology } from '../topology/topology.js'
import type { RecordCollector } from './collector.js'
import { StreamTask, type TaskConfig } from './task.js'

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`

/** Reads the global topics into the global stores; see the module comment. */
export class GlobalStoreThread {
  /** The global stores by name (what stream tasks and interactive queries read). */
  readonly stores = new Map<string, StateStore>()
  #running = true
  #loop: Promise<void> | undefined

  private constructor(
    private readonly task: StreamTask,
    private readonly fetcher: Fetcher,
    private readonly parts: TopicPartition[],
    private readonly positions: Map<string, bigint>,
    private readonly readCommitted: boolean,
    private readonly logger: Logger,
  ) {
    for (const name of task.storeNames()) this.stores.set(name, task.store(name) as StateStore)
  }

  /**
   * Creates the global task, reads every global topic to its current end, then goes on in the
   * background. Undefined when the topology has no global stores.
   */
  static async start(opts: { topology: Topology; config: TaskConfig; collector: RecordCollector; client: Client; readCommitted: boolean; logger: Logger }): Promise<GlobalStoreThread | undefined> {
    const subs = opts.topology.subtopologies().filter((s) => s.global)
    if (subs.length === 0) return undefined
    const { client } = opts
    const task = new StreamTask({ topology: opts.topology, subtopology: 'global', partition: 0, config: opts.config, collector: opts.collector })
    task.init()
    const parts: TopicPartition[] = []
    for (const s of subs) {
      for (const topic of s.sourceTopics) {
        const info = await client.describeTopic(topic)
        for (const p of info.partitions) parts.push({ topic, partition: p.partition })
      }
    }
    const positions = new Map<string, bigint>()
    const ends = new Map<string, bigint>()
    await Promise.all(
      parts.map(async (tp) => {
        const pc = await client.partitionClient(tp.topic, tp.partition)
        positions.set(key(tp.topic, tp.partition), await pc.getOffset('earliest'))
        ends.set(key(tp.topic, tp.partition), await pc.getOffset('latest'))
      }),
    )
    const thread = new GlobalStoreThread(task, client.fetcher(), parts, positions, opts.readCommitted, opts.logger)
    // Bootstrap to the end before any stream task runs, as Kafka Streams does.
    const caughtUp = () => parts.every((tp) => (positions.get(key(tp.topic, tp.partition)) as bigint) >= (ends.get(key(tp.topic, tp.partition)) as bigint))
    while (!caughtUp()) await thread.#round(20)
    thread.#loop = thread.#follow()
    return thread
  }

  async #follow(): Promise<void> {
    while (this.#running) {
      try {
        await this.#round(500)
      } catch (err) {
        if (!this.#running) return
        this.logger.warn({ err }, 'global store update failed')
        await new Promise((r) => setTimeout(r, 500))
      }
    }
  }

  async #round(maxWaitMs: number): Promise<void> {
    const res = await this.fetcher.fetch(
      this.parts.map((tp) => ({ topic: tp.topic, partition: tp.partition, offset: this.positions.get(key(tp.topic, tp.partition)) as bigint })),
      { maxWaitMs, isolationLevel: this.readCommitted ? 'read_committed' : 'read_uncommitted' },
    )
    for (const r of res) {
      if (r.error !== undefined) throw r.error
      for (const rec of r.records) this.task.process(r.topic, r.partition, rec.offset, rec.key, rec.value, rec.timestamp, rec.headers)
      this.positions.set(key(r.topic, r.partition), r.nextOffset)
    }
  }

  /** Stops following and closes the global task's stores. */
  async close(): Promise<void> {
    this.#running = false
    await this.fetcher.close().catch(() => undefined)
    await this.#loop?.catch(() => undefined)
    try {
      this.task.close()
    } catch {
      // Closing after a failure: nothing more to do.
    }
  }
}
