/**
 * The client side of remote interactive queries: finds the instance that hosts a key (or each
 * partition, for ranges) from the last assignment, answers in-process when that is this
 * instance, else asks its query server over HTTP; when the active host cannot answer (down,
 * restoring, moved), asks the standby hosts and flags the answer as possibly stale.
 */
import { request } from 'node:http'
import type { KeyValue } from '../record.js'
import type { Serde } from '../serde.js'
import { changelogTopic } from '../topology/naming.js'
import { NoQueryHostError, QueryRequestError, QueryTimeoutError, UnknownStoreError } from './query-errors.js'
import { decodeAnswer, encodeRequest, QUERY_PATH, type QueryAnswer, type QueryErrorBody, type QueryRequest } from './query-protocol.js'
import { answerQuery, partitionOfKey, QueryRefusedError, storeTasks, type LocalQuerySource } from './query-server.js'
import type { HostMap } from './streams-assignor.js'

/** Options of {@link KafkaStreams.query} and its range and window variants. */
export interface QueryOptions<K, V> {
  /** Serde of the store's keys (default: the store's, then the application's default key serde). */
  keySerde?: Serde<K>
  /** Serde of the store's plain values (default: the store's, then the application's default value serde). */
  valueSerde?: Serde<V>
  /** How long one host may take to answer before the next is asked (default 5000 ms). */
  timeoutMs?: number
  /** Ask standby hosts when the active one cannot answer (default true); such answers are flagged `stale`. */
  allowStale?: boolean
}

/** A remote query's answer: the value, the host (`applicationServer`) that gave it, and whether that host has a standby copy (possibly behind). */
export interface QueryResult<T> {
  value: T
  /** The answering host, or the hosts of a range query joined by ','. */
  host: string
  /** True when a standby copy answered: it may lag the active task by the changelog's tail. */
  stale: boolean
}

/** What the client needs from its {@link KafkaStreams}. */
export interface QueryContext {
  readonly applicationId: string
  readonly source: LocalQuerySource
  /** This instance's `applicationServer`, if any. */
  readonly self: string | undefined
  /** Every instance's tasks by endpoint, from the last assignment. */
  hosts(): HostMap
  /** The store's serdes from the topology, then the application defaults. */
  serdes(store: string): { keySerde: Serde<unknown> | undefined; valueSerde: Serde<unknown> | undefined }
}

const DEFAULT_TIMEOUT_MS = 5000

/** Remote interactive queries over the instances of one application. */
export class RemoteQueries {
  readonly #ctx: QueryContext

  /** A client for the instance described by `ctx`. */
  constructor(ctx: QueryContext) {
    this.#ctx = ctx
  }

  /** The value of `key` in key-value store `store`, from whichever instance hosts it. */
  async get<K, V>(store: string, key: K, options: QueryOptions<K, V> = {}): Promise<QueryResult<V | null>> {
    const { keySerde, valueSerde, topic } = this.#serdes(store, options)
    const keyBytes = this.#keyBytes(keySerde, topic, key)
    const answer = await this.#keyQuery(store, { op: 'get', store, key: keyBytes, stale: false }, keyBytes, options)
    const a = answer.answer as Extract<QueryAnswer, { op: 'get' }>
    return { value: a.value === null ? null : valueSerde.deserialize(topic, a.value), host: answer.host, stale: answer.stale }
  }

  /** The windows of `key` in window store `store` starting from `timeFrom` to `timeTo` (inclusive), by start time. */
  async windowFetch<K, V>(store: string, key: K, timeFrom: number, timeTo: number, options: QueryOptions<K, V> = {}): Promise<QueryResult<Array<KeyValue<number, V>>>> {
    if (!Number.isSafeInteger(timeFrom) || !Number.isSafeInteger(timeTo)) throw new QueryRequestError('windowFetch: timeFrom and timeTo must be integer timestamps (ms)')
    const { keySerde, valueSerde, topic } = this.#serdes(store, options)
    const keyBytes = this.#keyBytes(keySerde, topic, key)
    const answer = await this.#keyQuery(store, { op: 'windowFetch', store, key: keyBytes, timeFrom, timeTo, stale: false }, keyBytes, options)
    const a = answer.answer as Extract<QueryAnswer, { op: 'windowFetch' }>
    return { value: a.windows.map((w) => ({ key: w.start, value: valueSerde.deserialize(topic, w.value) })), host: answer.host, stale: answer.stale }
  }

  /**
   * Entries of key-value store `store` with keys from `from` to `to` (inclusive, in key-byte
   * order; null: unbounded on that side) over every partition, each partition asked of its
   * host. `stale` is true when any partition was answered by a standby.
   */
  async range<K, V>(store: string, from: K | null, to: K | null, options: QueryOptions<K, V> = {}): Promise<QueryResult<Array<KeyValue<K, V>>>> {
    const { keySerde, valueSerde, topic } = this.#serdes(store, options)
    const fromBytes = from === null ? null : this.#keyBytes(keySerde, topic, from)
    const toBytes = to === null ? null : this.#keyBytes(keySerde, topic, to)
    const make = (partitions: number[] | undefined, stale: boolean): QueryRequest => ({ op: 'range', store, from: fromBytes, to: toBytes, partitions, stale })
    const collect = (answers: Array<{ answer: QueryAnswer; host: string; stale: boolean }>): QueryResult<Array<KeyValue<K, V>>> => {
      const entries = answers.flatMap((a) => (a.answer as Extract<QueryAnswer, { op: 'range' }>).entries)
      entries.sort((a, b) => Buffer.compare(a.key, b.key))
      return {
        value: entries.map((e) => ({ key: keySerde.deserialize(topic, e.key), value: valueSerde.deserialize(topic, e.value) })),
        host: [...new Set(answers.map((a) => a.host))].join(','),
        stale: answers.some((a) => a.stale),
      }
    }
    if (this.#ctx.source.globalStore(store) !== undefined) return collect([{ answer: this.#local(make(undefined, false)), host: this.#ctx.self ?? 'local', stale: false }])
    const { subtopology, tasks } = this.#tasks(store)
    const hosts = this.#ctx.hosts()
    // Partitions grouped by active host; a host that cannot answer hands its partitions to standbys.
    const byHost = new Map<string, number[]>()
    const orphans: number[] = []
    for (let p = 0; p < tasks; p++) {
      const active = hostsOf(hosts, `${subtopology}_${p}`).active
      if (active === null) orphans.push(p)
      else byHost.set(active, [...(byHost.get(active) ?? []), p])
    }
    const answers: Array<{ answer: QueryAnswer; host: string; stale: boolean }> = []
    let lastError: Error | undefined
    for (const [host, partitions] of byHost) {
      try {
        answers.push({ answer: await this.#ask(host, make(partitions, false), options), host, stale: false })
      } catch (err) {
        if (!retriable(err)) throw err
        lastError = err as Error
        orphans.push(...partitions)
      }
    }
    for (const p of orphans) {
      const standbys = options.allowStale === false ? [] : hostsOf(hosts, `${subtopology}_${p}`).standby
      const got = await this.#firstAnswer(standbys.map((host) => ({ host, stale: true })), make([p], true), options, lastError)
      answers.push(got)
    }
    return collect(answers)
  }

  /** Asks the key's active host, then (if allowed) its standby hosts. */
  async #keyQuery(store: string, req: QueryRequest, keyBytes: Buffer, options: QueryOptions<unknown, unknown>): Promise<{ answer: QueryAnswer; host: string; stale: boolean }> {
    if (this.#ctx.source.globalStore(store) !== undefined) return { answer: this.#local(req), host: this.#ctx.self ?? 'local', stale: false }
    const { subtopology } = this.#tasks(store)
    const taskId = `${subtopology}_${this.#refusalToError(() => partitionOfKey(this.#ctx.source, store, keyBytes))}`
    const { active, standby } = hostsOf(this.#ctx.hosts(), taskId)
    const candidates = [
      ...(active === null ? [] : [{ host: active, stale: false }]),
      ...(options.allowStale === false ? [] : standby.map((host) => ({ host, stale: true }))),
    ]
    return this.#firstAnswer(candidates, req, options, undefined)
  }

  async #firstAnswer(
    candidates: Array<{ host: string; stale: boolean }>,
    req: QueryRequest,
    options: QueryOptions<unknown, unknown>,
    previous: Error | undefined,
  ): Promise<{ answer: QueryAnswer; host: string; stale: boolean }> {
    let lastError = previous
    for (const c of candidates) {
      try {
        return { answer: await this.#ask(c.host, { ...req, stale: c.stale }, options), host: c.host, stale: c.stale }
      } catch (err) {
        if (!retriable(err)) throw err
        lastError = err as Error
      }
    }
    if (lastError instanceof QueryTimeoutError) throw lastError
    const what = req.op === 'range' ? `partition(s) ${String(req.partitions)} of store '${req.store}'` : `the key of store '${req.store}'`
    throw new NoQueryHostError(
      candidates.length === 0 ? `no instance hosts ${what} now (rebalancing, or no applicationServer)` : `no host of ${what} could answer: ${lastError?.message ?? ''}`,
      { cause: lastError },
    )
  }

  /** One host's answer: in-process for this instance, else over HTTP. */
  async #ask(host: string, req: QueryRequest, options: QueryOptions<unknown, unknown>): Promise<QueryAnswer> {
    if (host === this.#ctx.self) return this.#local(req)
    return postQuery(host, req, options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  }

  #local(req: QueryRequest): QueryAnswer {
    return this.#refusalToError(() => answerQuery(this.#ctx.source, req))
  }

  #tasks(store: string): { subtopology: number; tasks: number } {
    return this.#refusalToError(() => storeTasks(this.#ctx.source, store))
  }

  /** Runs `fn`, turning a refusal into the error a remote host's refusal gives. */
  #refusalToError<T>(fn: () => T): T {
    try {
      return fn()
    } catch (err) {
      if (err instanceof QueryRefusedError) throw refusalError(this.#ctx.self ?? 'local', { error: err.code, message: err.message })
      throw err
    }
  }

  #serdes<K, V>(store: string, options: QueryOptions<K, V>): { keySerde: Serde<K>; valueSerde: Serde<V>; topic: string } {
    if (options.timeoutMs !== undefined && !(Number.isSafeInteger(options.timeoutMs) && options.timeoutMs > 0)) {
      throw new QueryRequestError(`timeoutMs must be a positive integer, got ${String(options.timeoutMs)}`)
    }
    if (!this.#ctx.source.topology.stores.has(store)) throw new UnknownStoreError(`the topology has no state store named '${store}'`)
    const fallback = this.#ctx.serdes(store)
    const keySerde = (options.keySerde ?? fallback.keySerde) as Serde<K> | undefined
    const valueSerde = (options.valueSerde ?? fallback.valueSerde) as Serde<V> | undefined
    if (keySerde === undefined || valueSerde === undefined) {
      throw new QueryRequestError(`query of store '${store}': no ${keySerde === undefined ? 'keySerde' : 'valueSerde'} (pass one in the options, or set a default serde)`)
    }
    return { keySerde, valueSerde, topic: changelogTopic(this.#ctx.applicationId, store) }
  }

  #keyBytes<K>(serde: Serde<K>, topic: string, key: K): Buffer {
    const bytes = serde.serialize(topic, key)
    if (bytes === null) throw new QueryRequestError('query: the key serializes to null')
    return bytes
  }
}

/** The active and standby hosts of `taskId` in the assignment. */
function hostsOf(hosts: HostMap, taskId: string): { active: string | null; standby: string[] } {
  let active: string | null = null
  const standby: string[] = []
  for (const [host, t] of Object.entries(hosts)) {
    if (t.active.includes(taskId)) active = host
    if (t.standby.includes(taskId)) standby.push(host)
  }
  return { active, standby }
}

/** A host refused, with `status`: the error to throw or to try the next host after. */
class HostRefusedError extends NoQueryHostError {
  override name = 'HostRefusedError'
  constructor(
    readonly host: string,
    readonly code: string,
    message: string,
  ) {
    super(`${host}: ${message} (${code})`)
  }
}

function refusalError(host: string, body: QueryErrorBody): Error {
  if (body.error === 'unknown-store') return new UnknownStoreError(body.message)
  if (body.error === 'bad-request') return new QueryRequestError(`${host}: ${body.message}`)
  return new HostRefusedError(host, body.error, body.message)
}

/** Whether another host may answer after `err` (down, slow, restoring, not hosting the task any more). */
function retriable(err: unknown): boolean {
  return err instanceof HostRefusedError || err instanceof QueryTimeoutError || (err instanceof NoQueryHostError && err.cause !== undefined)
}

/** POSTs `req` to the query server at `host` (`host:port`). */
export function postQuery(host: string, req: QueryRequest, timeoutMs: number): Promise<QueryAnswer> {
  const i = host.lastIndexOf(':')
  const body = encodeRequest(req)
  return new Promise((resolve, reject) => {
    const r = request(
      { host: host.slice(0, i), port: Number(host.slice(i + 1)), path: QUERY_PATH, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', (err) => reject(new NoQueryHostError(`${host}: ${err.message}`, { cause: err })))
        res.on('end', () => {
          clearTimeout(timer)
          const text = Buffer.concat(chunks).toString('utf8')
          try {
            if (res.statusCode === 200) return resolve(decodeAnswer(req.op, text))
            const parsed = JSON.parse(text) as Partial<QueryErrorBody>
            if (typeof parsed.error !== 'string') throw new Error(`HTTP ${String(res.statusCode)}`)
            reject(refusalError(host, { error: parsed.error, message: parsed.message ?? '' }))
          } catch (err) {
            reject(err instanceof QueryRequestError ? err : new HostRefusedError(host, `http-${String(res.statusCode)}`, text.slice(0, 200)))
          }
        })
      },
    )
    const timer = setTimeout(() => {
      r.destroy()
      reject(new QueryTimeoutError(`${host} did not answer within ${timeoutMs} ms`))
    }, timeoutMs)
    r.on('error', (err) => {
      clearTimeout(timer)
      reject(new NoQueryHostError(`${host}: ${err.message}`, { cause: err }))
    })
    r.end(body)
  })
}
