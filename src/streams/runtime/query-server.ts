/**
 * The query server of remote interactive queries (Kafka Streams leaves this "RPC layer" to the
 * user; Peridot ships one): answers `POST /v1/query` (see query-protocol.ts) from this
 * instance's stores, as bytes, so it needs no serdes. A key query is answered only by an
 * instance that runs the key's task (or keeps a standby of it, when the query allows stale
 * answers): 404 `unknown-store` / `not-hosted`, 503 `rebalancing` (the task is restoring, or the
 * assignment is in flux), 400 `bad-request`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { partitionForKey } from '../../client/partitioner.js'
import type { Serde } from '../serde.js'
import { queryableTypeOf, readOnlyWindowView } from '../state/read-only-views.js'
import type { StateStore } from '../state/store.js'
import type { SerdeKeyValueStore } from '../state/typed.js'
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js'
import type { ReadOnlyWindowStore } from '../state/window-store.js'
import { changelogTopic } from '../topology/naming.js'
import type { Topology } from '../topology/topology.js'
import { QueryRequestError } from './query-errors.js'
import { decodeRequest, encodeAnswer, QUERY_ERROR_STATUS, QUERY_PATH, type QueryAnswer, type QueryErrorBody, type QueryErrorCode, type QueryRequest } from './query-protocol.js'
import type { StreamsState } from './streams-options.js'

/** What the query server reads: this instance's tasks and stores (evaluated per query). */
export interface LocalQuerySource {
  readonly applicationId: string
  readonly topology: Topology
  /** The store's serdes as its tasks use them (window fetches read typed windows and serialize the values). */
  serdes(store: string): { keySerde: Serde<unknown> | undefined; valueSerde: Serde<unknown> | undefined }
  /** The instance's lifecycle state. */
  state(): StreamsState
  /** Tasks (partitions) of each sub-topology, known once the instance has started. */
  tasksPerSubtopology(): ReadonlyMap<number, number>
  /** Store `name` of task `taskId` and the task's role here, or undefined when the task is not here. */
  taskStore(taskId: string, name: string): { store: StateStore; role: 'running' | 'restoring' | 'standby' } | undefined
  /** The global store of that name, if it is one. */
  globalStore(name: string): StateStore | undefined
}

/** A query this instance refuses, with its reason (the HTTP status follows from the code). */
export class QueryRefusedError extends Error {
  override name = 'QueryRefusedError'
  constructor(
    readonly code: QueryErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** Where a store's tasks are: its sub-topology and task count (QueryRefusedError otherwise). */
export function storeTasks(source: LocalQuerySource, store: string): { subtopology: number; tasks: number } {
  const sub = source.topology.subtopologies().find((s) => !s.global && s.stores.includes(store))
  if (sub === undefined) throw new QueryRefusedError('unknown-store', `the topology has no (non-global) state store named '${store}'`)
  const tasks = source.tasksPerSubtopology().get(sub.id)
  if (tasks === undefined) throw new QueryRefusedError('rebalancing', 'the instance has not started yet')
  return { subtopology: sub.id, tasks }
}

/** The partition (task number) of key bytes in a store's sub-topology: the default partitioner's, as metadataForKey. */
export function partitionOfKey(source: LocalQuerySource, store: string, key: Buffer): number {
  return partitionForKey(key, storeTasks(source, store).tasks)
}

/** Answers `req` from this instance's stores, or throws a {@link QueryRefusedError}. */
export function answerQuery(source: LocalQuerySource, req: QueryRequest): QueryAnswer {
  const reg = source.topology.stores.get(req.store)
  if (reg === undefined) throw new QueryRefusedError('unknown-store', `the topology has no state store named '${req.store}'`)
  const type = queryableTypeOf(reg.builder)
  const windowed = type === 'window' || type === 'timestampedWindow'
  if (type === 'session' || type === 'versioned') throw new QueryRefusedError('unknown-store', `state store '${req.store}' is a ${type} store: remote queries read key-value and window stores`)
  if (windowed !== (req.op === 'windowFetch')) {
    throw new QueryRefusedError('bad-request', `state store '${req.store}' is a ${type} store: ${windowed ? "query it with 'windowFetch'" : `'${req.op}' needs a window store`}`)
  }
  const global = source.globalStore(req.store)
  if (global !== undefined) return answerFrom(source, [global], req, false)
  if (req.op === 'range') {
    const { subtopology, tasks } = storeTasks(source, req.store)
    const partitions = req.partitions ?? [...Array(tasks).keys()].filter((p) => source.taskStore(`${subtopology}_${p}`, req.store)?.role === 'running')
    return answerFrom(
      source,
      partitions.map((p) => hostedStore(source, `${subtopology}_${p}`, req.store, req.stale)),
      req,
      type === 'timestampedWindow',
    )
  }
  const { subtopology, tasks } = storeTasks(source, req.store)
  const taskId = `${subtopology}_${partitionForKey(req.key, tasks)}`
  return answerFrom(source, [hostedStore(source, taskId, req.store, req.stale)], req, type === 'timestampedWindow')
}

/** The store of a task this instance runs (or keeps as a standby, when `stale` reads are allowed). */
function hostedStore(source: LocalQuerySource, taskId: string, store: string, stale: boolean): StateStore {
  const t = source.taskStore(taskId, store)
  if (t !== undefined && (t.role === 'running' || (stale && t.role === 'standby'))) return t.store
  if (t?.role === 'restoring' || (t === undefined && source.state() === 'REBALANCING')) {
    throw new QueryRefusedError('rebalancing', `task ${taskId} of store '${store}' is ${t === undefined ? 'not here while the instance is rebalancing' : 'restoring'}`)
  }
  throw new QueryRefusedError('not-hosted', `task ${taskId} of store '${store}' is not ${stale ? 'active or standby' : 'active'} on this instance`)
}

function answerFrom(source: LocalQuerySource, stores: StateStore[], req: QueryRequest, timestamped: boolean): QueryAnswer {
  switch (req.op) {
    case 'get': {
      for (const s of stores) {
        const v = kvBytes(s).get(req.key)
        if (v !== null) return { op: 'get', value: v }
      }
      return { op: 'get', value: null }
    }
    case 'range': {
      const entries: Array<{ key: Buffer; value: Buffer }> = []
      const { from, to } = req
      for (const s of stores) {
        const b = kvBytes(s)
        const it = from !== null && to !== null ? b.range(from, to) : b.all()
        for (const e of it) {
          if ((from !== null && Buffer.compare(e.key, from) < 0) || (to !== null && Buffer.compare(e.key, to) > 0)) continue
          entries.push({ key: e.key, value: e.value })
        }
      }
      entries.sort((a, b) => Buffer.compare(a.key, b.key))
      return { op: 'range', entries }
    }
    case 'windowFetch': {
      // The typed read path of local queries (a caching store answers through its cache), with
      // the key deserialized and the plain values serialized by the store's serdes.
      const { keySerde, valueSerde } = source.serdes(req.store)
      if (keySerde === undefined || valueSerde === undefined) throw new QueryRefusedError('unknown-store', `state store '${req.store}' has no serdes to read it with`)
      const topic = changelogTopic(source.applicationId, req.store)
      const view = readOnlyWindowView<unknown, unknown, unknown>(req.store, () => stores as unknown as Array<ReadOnlyWindowStore<unknown, unknown>>, timestamped ? (vt) => (vt as ValueAndTimestamp<unknown>).value : (v) => v)
      const windows: Array<{ start: number; value: Buffer }> = []
      for (const e of view.fetch(keySerde.deserialize(topic, req.key), req.timeFrom, req.timeTo)) {
        const value = valueSerde.serialize(topic, e.value)
        if (value !== null) windows.push({ start: e.key, value })
      }
      return { op: 'windowFetch', windows }
    }
  }
}

/** The bytes store under a typed key-value store (plain values: a timestamped store's query face). */
function kvBytes(s: StateStore): SerdeKeyValueStore<unknown, unknown>['bytes'] {
  const bytes = (s as Partial<SerdeKeyValueStore<unknown, unknown>>).bytes
  if (bytes === undefined) throw new QueryRefusedError('unknown-store', `state store '${s.name}' has no bytes layer to query`)
  return bytes
}

/** Options of {@link QueryServer.listen}. */
export interface QueryServerOptions {
  /** Port to listen on (0: any free port). */
  port: number
  /** Interface to bind (default: all). */
  host?: string
  /** Largest request body accepted (default 1 MiB). */
  maxBodyBytes?: number
}

/** An HTTP server answering remote interactive queries from a {@link LocalQuerySource}. */
export class QueryServer {
  readonly #server: Server
  readonly #maxBody: number

  private constructor(source: LocalQuerySource, maxBody: number) {
    this.#maxBody = maxBody
    this.#server = createServer((req, res) => this.#handle(source, req, res))
  }

  /** Starts a server on `options.port`; resolves once it listens. */
  static async listen(source: LocalQuerySource, options: QueryServerOptions): Promise<QueryServer> {
    const s = new QueryServer(source, options.maxBodyBytes ?? 1 << 20)
    await new Promise<void>((resolve, reject) => {
      s.#server.once('error', reject)
      s.#server.listen(options.port, options.host, () => {
        s.#server.off('error', reject)
        resolve()
      })
    })
    return s
  }

  /** The port it listens on. */
  get port(): number {
    return (this.#server.address() as AddressInfo).port
  }

  /** Stops listening and closes open connections. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    this.#server.closeAllConnections()
    await closed
  }

  #handle(source: LocalQuerySource, req: IncomingMessage, res: ServerResponse): void {
    const send = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(body)
    }
    const refuse = (code: QueryErrorCode, message: string): void => send(QUERY_ERROR_STATUS[code], JSON.stringify({ error: code, message } satisfies QueryErrorBody))
    if (req.url !== QUERY_PATH) return refuse('bad-request', `unknown path ${req.url ?? ''}: queries go to POST ${QUERY_PATH}`)
    if (req.method !== 'POST') return refuse('bad-request', `queries use POST, got ${req.method ?? ''}`)
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > this.#maxBody) {
        refuse('bad-request', `request body over ${this.#maxBody} bytes`)
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => {
      try {
        send(200, encodeAnswer(answerQuery(source, decodeRequest(Buffer.concat(chunks).toString('utf8')))))
      } catch (err) {
        if (err instanceof QueryRefusedError) return refuse(err.code, err.message)
        if (err instanceof QueryRequestError) return refuse('bad-request', err.message)
        send(500, JSON.stringify({ error: 'internal', message: (err as Error).message }))
      }
    })
  }
}
