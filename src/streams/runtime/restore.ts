/**
 * The state updater: one background loop per instance that reads changelog partitions with the
 * client's multi-partition fetcher and writes them into task stores. It restores newly assigned
 * active tasks (from a valid checkpoint of a persistent store, else from the start, up to the
 * changelog end, in large fetches) and keeps standby tasks warm (continuously, smaller waits).
 * Store-agnostic: it writes through `StreamTask.restore` (record timestamps included: timestamped
 * stores keep them) and wipes a store through `StreamTask.wipeStore`.
 */
import type { Logger } from 'pino'
import type { Client } from '../../client/client.js'
import type { Fetcher } from '../../client/consumer/fetcher.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { KafkaProtocolError } from '../../protocol/errors.js'
import type { StreamTask } from './task.js'
import { checkpointKey, type Checkpoint } from './state-directory.js'

/** Progress of one changelog partition. */
export interface ChangelogProgress {
  readonly storeName: string
  readonly topic: string
  readonly partition: number
  /** Where reading started. */
  startOffset: bigint
  /** Next offset to read. */
  position: bigint
  /**
   * Changelog end seen by the last fetch (its high watermark); -1n before the first fetch. Under
   * EOS (read_committed) a restoration reaches it only once no transaction is open in the
   * changelog: see {@link ChangelogProgress.stableOffset}.
   */
  endOffset: bigint
  /** Last stable offset seen by the last fetch (the start of the oldest open transaction, else the end); -1n before. */
  stableOffset: bigint
  /** Records written into the store. */
  applied: number
}

/** A task whose stores the updater fills. */
export interface UpdaterEntry {
  readonly task: StreamTask
  /** 'restoring': an active task that processes once caught up; 'standby': kept warm forever. */
  role: 'restoring' | 'standby'
  readonly changelogs: ChangelogProgress[]
  /** Called once every changelog reached its end (restoring role only). */
  onRestored?: (entry: UpdaterEntry) => void
  startedAt: number
}

/** Counters of the updater (cumulative). */
/** A changelog partition being restored into an active task or followed by a standby. */
export interface RestoreProgress {
  taskId: string
  role: 'restoring' | 'standby'
  store: string
  startOffset: bigint
  position: bigint
  endOffset: bigint
  applied: number
}

export interface RestoreTotals {
  /** Changelog records restored into active tasks. */
  restoredRecords: number
  /** Changelog records applied to standby tasks. */
  standbyRecords: number
  /** Active task restorations finished. */
  restorations: number
  /** Milliseconds spent in finished restorations. */
  restoreMs: number
}

/** Where each store of `task` starts reading: a persistent store's checkpoint, else the start (wiping what it holds). */
export function initialProgress(task: StreamTask, checkpoint: Checkpoint): ChangelogProgress[] {
  return task.changelogPartitions().map((c) => {
    const store = task.store(c.storeName)
    const persistent = store?.persistent === true
    const cp = persistent ? checkpoint.get(checkpointKey(c.topic, c.partition)) : undefined
    if (cp === undefined && persistent) wipe(task, c.storeName)
    const start = cp ?? 0n
    return { storeName: c.storeName, topic: c.topic, partition: c.partition, startOffset: start, position: start, endOffset: -1n, stableOffset: -1n, applied: 0 }
  })
}

/** Empties a store (any kind) without logging, before it restores from the changelog start. */
export function wipe(task: StreamTask, storeName: string): void {
  if (task.store(storeName) !== undefined) task.wipeStore(storeName)
}

/** The background changelog reader. */
export class StateUpdater {
  readonly totals: RestoreTotals = { restoredRecords: 0, standbyRecords: 0, restorations: 0, restoreMs: 0 }
  readonly #entries = new Map<string, UpdaterEntry>()
  readonly #client: Client
  readonly #fetcher: Fetcher
  readonly #readCommitted: boolean
  readonly #logger: Logger
  readonly #onError: (err: unknown) => void
  #running = false
  #loop: Promise<void> | undefined
  #wake: (() => void) | undefined
  #lastLog = 0

  constructor(client: Client, options: { readCommitted: boolean; logger: Logger; onError: (err: unknown) => void }) {
    this.#client = client
    this.#fetcher = client.fetcher()
    this.#readCommitted = options.readCommitted
    this.#logger = options.logger
    this.#onError = options.onError
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    this.#loop = this.#run()
  }

  add(entry: UpdaterEntry): void {
    this.#entries.set(entry.task.id, entry)
    this.#wake?.()
  }

  get(taskId: string): UpdaterEntry | undefined {
    return this.#entries.get(taskId)
  }

  remove(taskId: string): UpdaterEntry | undefined {
    const e = this.#entries.get(taskId)
    this.#entries.delete(taskId)
    return e
  }

  /** Totals so far and the changelogs being restored or followed now (KafkaStreams.metrics().restore). */
  metrics(): RestoreTotals & { inProgress: RestoreProgress[] } {
    return {
      ...this.totals,
      inProgress: this.entries().flatMap((e) =>
        e.changelogs.map((c) => ({
          taskId: e.task.id,
          role: e.role,
          store: c.storeName,
          startOffset: c.startOffset,
          position: c.position,
          endOffset: c.endOffset,
          applied: c.applied,
        })),
      ),
    }
  }

  entries(): UpdaterEntry[] {
    return [...this.#entries.values()]
  }

  /** True while an active task is restoring. */
  get restoring(): boolean {
    for (const e of this.#entries.values()) if (e.role === 'restoring') return true
    return false
  }

  async close(): Promise<void> {
    this.#running = false
    this.#wake?.()
    await this.#loop?.catch(() => undefined)
    await this.#fetcher.close()
  }

  async #run(): Promise<void> {
    let failures = 0
    while (this.#running) {
      const entries = [...this.#entries.values()]
      if (entries.length === 0) {
        await this.#sleep(1000)
        continue
      }
      try {
        await this.#round(entries)
        failures = 0
      } catch (err) {
        if (!this.#running) return
        failures++
        this.#logger.warn({ err }, 'changelog fetch failed')
        if (failures > 20) {
          this.#onError(err)
          return
        }
        await this.#sleep(Math.min(100 * failures, 2000))
      }
    }
  }

  async #round(entries: UpdaterEntry[]): Promise<void> {
    const restoring = entries.some((e) => e.role === 'restoring')
    const wanted: Array<{ entry: UpdaterEntry; cl: ChangelogProgress }> = []
    for (const entry of entries) for (const cl of entry.changelogs) wanted.push({ entry, cl })
    if (wanted.length === 0) {
      // Only stores without changelogs: nothing to read (and an empty fetch would spin).
      for (const entry of entries) if (entry.role === 'restoring') this.#finish(entry, Date.now())
      await this.#sleep(restoring ? 0 : 1000)
      return
    }
    // Restorations get large fetches and short waits; standbys alone long polls.
    const results = await this.#fetcher.fetch(
      wanted.map((w) => ({ topic: w.cl.topic, partition: w.cl.partition, offset: w.cl.position, maxBytes: restoring ? 16 << 20 : 1 << 20 })),
      { maxBytes: restoring ? 64 << 20 : 8 << 20, minBytes: 1, maxWaitMs: restoring ? 20 : 250, isolationLevel: this.#readCommitted ? 'read_committed' : 'read_uncommitted' },
    )
    for (let i = 0; i < wanted.length; i++) {
      const { entry, cl } = wanted[i]
      // The task may have been closed or promoted while the fetch was in flight.
      if (this.#entries.get(entry.task.id) !== entry) continue
      const r = results[i]
      if (r.error !== undefined) {
        if (r.error instanceof KafkaProtocolError && r.error.code === ErrorCode.OFFSET_OUT_OF_RANGE) {
          // The checkpoint points outside the log (topic recreated, records deleted): start over.
          const earliest = await (await this.#client.partitionClient(cl.topic, cl.partition)).getOffset('earliest')
          if (this.#entries.get(entry.task.id) !== entry) continue
          this.#logger.warn({ task: entry.task.id, topic: cl.topic, partition: cl.partition, position: String(cl.position) }, 'changelog position out of range: restoring from the start')
          wipe(entry.task, cl.storeName)
          cl.startOffset = cl.position = earliest
          continue
        }
        throw r.error
      }
      const records = r.records
      if (records.length > 0) {
        entry.task.restore(cl.storeName, records)
        cl.applied += records.length
        if (entry.role === 'restoring') this.totals.restoredRecords += records.length
        else this.totals.standbyRecords += records.length
      }
      cl.position = r.nextOffset
      // The high watermark even under EOS: committed records can follow an open transaction (a
      // killed owner's, until its transactional id is fenced or it times out) that read_committed
      // cannot read past yet. A task taken over meanwhile (or reset after an abort) that stopped at
      // the last stable offset would lack what its previous owner committed after it, and go on
      // from that owner's committed input offsets: those updates would be lost.
      cl.endOffset = r.highWatermark
      cl.stableOffset = r.lastStableOffset
    }
    const now = Date.now()
    for (const entry of entries) {
      if (entry.role !== 'restoring' || this.#entries.get(entry.task.id) !== entry) continue
      if (entry.changelogs.every((c) => c.endOffset >= 0n && c.position >= c.endOffset)) {
        this.#finish(entry, now)
      } else if (now - this.#lastLog > 5000) {
        this.#lastLog = now
        for (const c of entry.changelogs) {
          const fields = { task: entry.task.id, store: c.storeName, position: String(c.position), end: String(c.endOffset), lastStable: String(c.stableOffset) }
          // Waiting past a transaction timeout means a transaction nobody ends (a hanging one).
          if (this.#readCommitted && c.position >= c.stableOffset && c.stableOffset < c.endOffset) {
            this.#logger.warn(fields, 'restoring: waiting for an open transaction in the changelog to end (a crashed previous owner, until fenced or timed out)')
          } else this.#logger.info(fields, 'restoring')
        }
      }
    }
  }

  #finish(entry: UpdaterEntry, now: number): void {
    this.#entries.delete(entry.task.id)
    this.totals.restorations++
    this.totals.restoreMs += now - entry.startedAt
    this.#logger.info(
      { task: entry.task.id, records: entry.changelogs.reduce((n, c) => n + c.applied, 0), ms: now - entry.startedAt },
      'task restored from its changelog',
    )
    entry.onRestored?.(entry)
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms)
      function done() {
        clearTimeout(t)
        resolve()
      }
      this.#wake = done
    })
  }
}
