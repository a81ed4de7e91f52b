/**
 * Async stages: a processor node whose work per record is a Promise (an HTTP call, a database
 * query), with up to `concurrency` records of the task in flight at once.
 *
 * Order: with `keyed`, records with the same key run one after another in input order (so a
 * key's store access from the async function is serialized too) and their results are
 * forwarded in that order; with `ordered`, every result is forwarded in input order (a slow
 * record holds back the results after it). The result of a record is forwarded with the record
 * context it arrived with (topic, partition, offset, headers, timestamp).
 *
 * Commits: a record's input offset is marked consumed when it enters the stage, so a commit
 * must not go out while the stage holds it: the runtime waits for `AsyncWork.whenIdle()`
 * before it commits (under exactly_once_v2 every result is then in the transaction that commits
 * its input offset). A task that is closed or reset without committing abandons its records:
 * their calls are aborted (the AbortSignal fires) and late results are dropped; the input is
 * read again from the last commit, so nothing is lost and, under exactly-once, nothing
 * duplicated.
 *
 * Memory: the records a stage holds (waiting for a slot or their key, in flight, results
 * waiting for their turn) are capped by count and by bytes; above either cap the runtime takes
 * no new input for the task until the stage has room (see `AsyncWork.full()`).
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import { AsyncAbandonedError, AsyncTimeoutError, StreamsProcessingError } from '../errors.js'
import type { Processor, ProcessorContext } from '../processor.js'
import type { Record, RecordHeaders, RecordMetadata } from '../record.js'
import type { StateStore } from '../state/store.js'

/** What the async function of a stage gets besides the record. */
export interface AsyncCallContext {
  /** Fires when the call timed out (`timeoutMs`) or its task was closed or reset: stop the work. */
  readonly signal: AbortSignal
  /** Source topic, partition and offset of the record (null for records from a punctuation). */
  readonly metadata: RecordMetadata | null
}

/** Options shared by the async operators of KStream. */
export interface AsyncOptions {
  /** Records of one task in flight at once (>= 1). */
  concurrency: number
  /**
   * Default true: records with the same key run one at a time, in input order, and their
   * results are forwarded in that order. false: any records run together (per-key order only
   * with `ordered`).
   */
  keyed?: boolean
  /** Default false. true: results are forwarded in input order (a slow record holds back later results). */
  ordered?: boolean
  /**
   * Per-call timeout in ms: the call's signal fires and the record fails with an
   * {@link AsyncTimeoutError} (through the processing exception handler, as a thrown error).
   * Default none. Set one: a commit waits for every call in flight.
   */
  timeoutMs?: number
  /**
   * Records the stage may hold (waiting, in flight, results waiting for their turn) before the
   * task stops taking input; default max(1000, 4 x concurrency).
   */
  maxBufferedRecords?: number
  /** Bytes (key and value as consumed) the stage may hold before the task stops taking input; default 16 MiB. */
  maxBufferedBytes?: number
  /** Name of the processor node (generated when omitted). */
  name?: string
}

/** Options after validation. @internal */
export interface ResolvedAsyncOptions {
  concurrency: number
  keyed: boolean
  ordered: boolean
  timeoutMs: number | undefined
  maxBufferedRecords: number
  maxBufferedBytes: number
}

/** Validates the options of an async operator (`op` names it in errors). @internal */
export function resolveAsyncOptions(op: string, options: AsyncOptions | undefined): ResolvedAsyncOptions {
  if (options === undefined || typeof options !== 'object') throw new InvalidArgumentError(`${op} needs options with a concurrency, e.g. { concurrency: 64 }`)
  const { concurrency, timeoutMs } = options
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new InvalidArgumentError(`${op} concurrency must be an integer >= 1, got ${String(concurrency)}`)
  if (timeoutMs !== undefined && !(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new InvalidArgumentError(`${op} timeoutMs must be a number > 0, got ${String(timeoutMs)}`)
  const maxBufferedRecords = options.maxBufferedRecords ?? Math.max(1000, 4 * concurrency)
  if (!Number.isSafeInteger(maxBufferedRecords) || maxBufferedRecords < 1) throw new InvalidArgumentError(`${op} maxBufferedRecords must be an integer >= 1, got ${String(maxBufferedRecords)}`)
  const maxBufferedBytes = options.maxBufferedBytes ?? 16 * 1024 * 1024
  if (!Number.isSafeInteger(maxBufferedBytes) || maxBufferedBytes < 1) throw new InvalidArgumentError(`${op} maxBufferedBytes must be an integer >= 1, got ${String(maxBufferedBytes)}`)
  for (const flag of ['keyed', 'ordered'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') throw new InvalidArgumentError(`${op} ${flag} must be a boolean, got ${String(options[flag])}`)
  }
  return { concurrency, keyed: options.keyed ?? true, ordered: options.ordered ?? false, timeoutMs, maxBufferedRecords, maxBufferedBytes }
}

/**
 * What one record's work gets from its stage: the call context, `emit` to hand over a record to
 * forward (in order, before the work resolves) and `store` to open a store for the work
 * (serialized per key by the stage). One object per record, with its methods on the prototype:
 * no closures per record. @internal
 */
export interface AsyncWorkCall extends AsyncCallContext {
  emit(r: Record<unknown, unknown>): void
  store<S extends StateStore>(name: string): S
}

/** One record's work: resolves once the records to forward were emitted. @internal */
export type AsyncWorkFn = (record: Record<unknown, unknown>, call: AsyncWorkCall) => Promise<void>

/** Where a record came from, kept while the stage holds it (forwarding, failure handling). @internal */
export interface HeldRecordContext {
  readonly metadata: RecordMetadata | null
  readonly headers: RecordHeaders
  readonly timestamp: number
  /** Key and value bytes as consumed (copies; null without a dead-letter topic). */
  readonly rawKey: Buffer | null
  readonly rawValue: Buffer | null
  /** Key and value bytes as consumed (the memory cap counts them). */
  readonly bytes: number
}

/** What a stage needs from its task. @internal */
export interface AsyncTaskHost {
  readonly taskId: string
  /** The task's async bookkeeping (created on first use). */
  asyncWork(): AsyncWork
  /** The context of the record being processed (call inside process()). */
  holdRecordContext(): HeldRecordContext
  /** Runs `fn` with a held record's context as the task's record context. */
  inHeldContext(ctx: HeldRecordContext, fn: () => void): void
  /** A failed record, through the dead-letter queue and the processing exception handler (throws for 'fail'). */
  asyncRecordFailed(err: unknown, ctx: HeldRecordContext): void
}

/** The async stages of one task, as the runtime waits on them. */
export class AsyncWork {
  readonly #stages: AsyncStage[] = []
  /** Waits in progress: each is woken only once its condition holds (or a stage failed). */
  #waiters: Waiter[] = []
  #failure: Error | undefined

  /** @internal */
  add(stage: AsyncStage): void {
    this.#stages.push(stage)
  }

  /** Records held by the task's stages. */
  get held(): number {
    let n = 0
    for (const s of this.#stages) n += s.held
    return n
  }

  /** The error that failed a stage (the task must not commit; the runtime fails it). */
  get failure(): Error | undefined {
    return this.#failure
  }

  /** True when a stage is at its record or byte cap: take no input for the task. */
  full(): boolean {
    for (const s of this.#stages) if (s.full()) return true
    return false
  }

  /** Resolves once no stage is full; rejects with the failure of a stage. */
  whenSpace(): Promise<void> {
    return this.#until(() => !this.full())
  }

  /** True when every stage is at or below half of its caps: a partition paused for a full stage may resume. */
  roomToResume(): boolean {
    for (const s of this.#stages) if (!s.roomToResume()) return false
    return true
  }

  /** Resolves once {@link roomToResume}; rejects with the failure of a stage. */
  whenRoomToResume(): Promise<void> {
    return this.#until(() => this.roomToResume())
  }

  /**
   * Resolves once the stages hold nothing (every result forwarded); rejects with the failure of
   * a stage, or with an AsyncAbandonedError when records were abandoned meanwhile (what waited,
   * a commit, must not go out: their results are not).
   */
  async whenIdle(): Promise<void> {
    const abandons = this.#abandons
    await this.#until(() => this.held === 0)
    if (this.#abandons !== abandons) throw new AsyncAbandonedError(this.#abandonReason)
  }

  /** Aborts every call in flight and drops what the stages hold (the task is closed or reset). */
  abandon(reason: string): void {
    if (this.held > 0) {
      this.#abandons++
      this.#abandonReason = reason
    }
    for (const s of this.#stages) s.abandon(reason)
    this.changed()
  }

  #abandons = 0
  #abandonReason = ''

  /** @internal A stage failed: everything held is abandoned, waits reject. */
  fail(err: Error): void {
    this.#failure ??= err
    for (const s of this.#stages) s.abandon(`an async stage of the task failed: ${err.message}`)
    this.changed()
  }

  /**
   * @internal A stage's counts changed: waits whose condition now holds are woken. (Checked
   * here, synchronously: a commit waiting for idle would otherwise cost a promise per record.)
   */
  changed(): void {
    if (this.#waiters.length === 0) return
    const failure = this.#failure
    const waiting: Waiter[] = []
    for (const w of this.#waiters) {
      if (failure !== undefined) w.reject(failure)
      else if (w.done()) w.resolve()
      else waiting.push(w)
    }
    this.#waiters = waiting
  }

  #until(done: () => boolean): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    if (done()) return Promise.resolve()
    return new Promise<void>((resolve, reject) => this.#waiters.push({ done, resolve, reject }))
  }
}

/** A wait on an AsyncWork's counts. */
interface Waiter {
  readonly done: () => boolean
  readonly resolve: () => void
  readonly reject: (err: Error) => void
}

const WAITING = 0
const RUNNING = 1
const DONE = 2

/** A record held by a stage; while it runs, also the call its work gets. */
class Held implements AsyncWorkCall {
  state = WAITING
  /** Records to forward (collected while running; made on the first). */
  out: Array<Record<unknown, unknown>> | null = null
  /** Created when the work first reads `signal` (most calls never abort; an AbortController is not free). */
  controller: AbortController | null = null
  /** Why the call was aborted (kept for a signal created after the abort). */
  abortReason: Error | undefined
  /** The stage's epoch when the work started (older epochs were abandoned). */
  epoch = 0
  settled = false
  /** When the call times out (performance.now() ms; stages with timeoutMs). */
  deadline = 0
  /** The next record with the same key (keyed stages). */
  nextSameKey: Held | null = null
  constructor(
    readonly stage: AsyncStage,
    readonly record: Record<unknown, unknown>,
    readonly keyId: unknown,
    readonly ctx: HeldRecordContext,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController()
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason)
    }
    return this.controller.signal
  }

  get metadata(): RecordMetadata | null {
    return this.ctx.metadata
  }

  /** Fires the call's signal (now, or when the work reads it later). */
  abort(reason: Error): void {
    this.abortReason ??= reason
    this.controller?.abort(reason)
  }

  /** True once the work settled, timed out or was abandoned: its emits and store calls are refused. */
  get over(): boolean {
    return this.settled || this.epoch !== this.stage.epoch
  }

  emit(r: Record<unknown, unknown>): void {
    if (this.settled) throw new InvalidArgumentError(`async processor '${this.stage.name}': forward() after the record's work settled`)
    ;(this.out ??= []).push(r)
  }

  store<S extends StateStore>(name: string): S {
    return this.stage.storeFor<S>(name, this)
  }
}

/** A FIFO with O(1) shift (an array and a head index). */
class Fifo<T> {
  #items: T[] = []
  #head = 0
  get length(): number {
    return this.#items.length - this.#head
  }
  push(x: T): void {
    this.#items.push(x)
  }
  peek(): T | undefined {
    return this.#head < this.#items.length ? this.#items[this.#head] : undefined
  }
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined
    const x = this.#items[this.#head]
    this.#items[this.#head++] = undefined as T
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return x
  }
  /** Drops the items `keep` refuses (order kept). */
  retain(keep: (x: T) => boolean): void {
    const kept: T[] = []
    for (let i = this.#head; i < this.#items.length; i++) if (keep(this.#items[i] as T)) kept.push(this.#items[i] as T)
    this.#items = kept
    this.#head = 0
  }
  clear(): T[] {
    const rest = this.#items.slice(this.#head)
    this.#items = []
    this.#head = 0
    return rest
  }
}

/**
 * Identity of a key for per-key ordering: primitives as they are, bytes by content, other
 * values by their JSON text.
 */
function keyIdentity(key: unknown): unknown {
  if (key === null || key === undefined || typeof key !== 'object') return key
  if (key instanceof Uint8Array) return `\u0000b${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')}`
  try {
    return `\u0000j${JSON.stringify(key)}`
  } catch {
    return key // not serializable (cycles): by reference
  }
}

/** The processor of an async operator: one instance per task. @internal */
export class AsyncStage implements Processor<unknown, unknown, unknown, unknown> {
  readonly #name: string
  readonly #fn: AsyncWorkFn
  readonly #o: ResolvedAsyncOptions
  readonly #storeNames: ReadonlySet<string>
  #ctx!: ProcessorContext<unknown, unknown>
  #host!: AsyncTaskHost
  #work!: AsyncWork
  /** Records whose call is in flight. */
  readonly #inFlight = new Set<Held>()
  #held = 0
  #bytes = 0
  /** Records ready to start (first of their key), waiting for a slot. */
  readonly #ready = new Fifo<Held>()
  /** Last record of each key held (keyed stages). */
  readonly #lastOfKey = new Map<unknown, Held>()
  /** Every held record in input order (ordered stages). */
  readonly #inOrder = new Fifo<Held>()
  /** Running records of a stage with timeoutMs, in start order (so in deadline order); settled ones are dropped lazily. */
  readonly #deadlines = new Fifo<Held>()
  /** One timer for the earliest deadline (not one per call). */
  #timer: NodeJS.Timeout | undefined
  /** Bumped when the stage abandons its records: callbacks of older records are ignored. */
  #epoch = 0
  #closed = false

  constructor(name: string, fn: AsyncWorkFn, options: ResolvedAsyncOptions, storeNames: readonly string[] = []) {
    this.#name = name
    this.#fn = fn
    this.#o = options
    this.#storeNames = new Set(storeNames)
  }

  init(context: ProcessorContext<unknown, unknown>): void {
    this.#ctx = context
    const host = (context as Partial<{ asyncHost(): AsyncTaskHost }>).asyncHost?.()
    if (host === undefined) throw new InvalidArgumentError(`async processor '${this.#name}' needs a task context that runs async stages`)
    this.#host = host
    this.#work = host.asyncWork()
    this.#work.add(this)
  }

  /** The node's name (errors). @internal */
  get name(): string {
    return this.#name
  }

  /** Bumped on abandon (a record's work started in an older epoch is over). @internal */
  get epoch(): number {
    return this.#epoch
  }

  /** Records held (waiting, in flight, or results waiting for their turn). */
  get held(): number {
    return this.#held
  }

  /** True at the record or byte cap. */
  full(): boolean {
    return this.#held >= this.#o.maxBufferedRecords || this.#bytes >= this.#o.maxBufferedBytes
  }

  /**
   * True at or below half of both caps: a partition paused for this stage is resumed only then,
   * so that each resume (a new fetch of what was read and put back) is worth half a buffer of
   * records rather than the one record of room that ends `full()`.
   */
  roomToResume(): boolean {
    return this.#held <= this.#o.maxBufferedRecords >>> 1 && this.#bytes <= Math.floor(this.#o.maxBufferedBytes / 2)
  }

  process(record: Record<unknown, unknown>): void {
    if (this.#closed) return
    const ctx = this.#host.holdRecordContext()
    const h = new Held(this, record, this.#o.keyed ? keyIdentity(record.key) : undefined, ctx)
    this.#held++
    this.#bytes += ctx.bytes
    if (this.#o.ordered) this.#inOrder.push(h)
    if (this.#o.keyed) {
      const last = this.#lastOfKey.get(h.keyId)
      this.#lastOfKey.set(h.keyId, h)
      if (last !== undefined) {
        last.nextSameKey = h // starts when the key's previous record is done
        return
      }
    }
    this.#ready.push(h)
    this.#startReady()
  }

  #startReady(): void {
    while (this.#inFlight.size < this.#o.concurrency && this.#ready.length > 0) this.#start(this.#ready.shift() as Held)
  }

  #start(h: Held): void {
    h.state = RUNNING
    h.epoch = this.#epoch
    this.#inFlight.add(h)
    if (this.#o.timeoutMs !== undefined) {
      h.deadline = performance.now() + this.#o.timeoutMs
      this.#deadlines.push(h)
      this.#timer ??= setTimeout(() => this.#onTimer(), this.#o.timeoutMs)
    }
    void this.#run(h)
  }

  /** Runs a record's work and settles it (an async method: no closures per record). */
  async #run(h: Held): Promise<void> {
    let err: unknown
    try {
      await this.#fn(h.record, h)
    } catch (e) {
      err = e ?? new Error('async processor rejected without a reason')
    }
    this.#settle(h, err)
  }

  #settle(h: Held, err: unknown): void {
    if (h.over) return
    h.settled = true
    this.#done(h, err)
  }

  /** Times out the running records whose deadline passed; re-arms for the next one. */
  #onTimer(): void {
    this.#timer = undefined
    const now = performance.now()
    for (let h = this.#deadlines.peek(); h !== undefined; h = this.#deadlines.peek()) {
      if (h.over) {
        this.#deadlines.shift()
        continue
      }
      if (h.deadline > now) {
        this.#timer = setTimeout(() => this.#onTimer(), Math.max(1, Math.ceil(h.deadline - now)))
        return
      }
      this.#deadlines.shift()
      const err = new AsyncTimeoutError(`async processor '${this.#name}' (task ${this.#host.taskId}): the call did not settle within timeoutMs ${String(this.#o.timeoutMs)}`)
      h.abort(err)
      this.#settle(h, err)
    }
  }

  /** Drops settled records from the deadline queue (from its head; all of them when it grew well past what runs). */
  #pruneDeadlines(): void {
    const q = this.#deadlines
    for (let h = q.peek(); h !== undefined && h.over; h = q.peek()) q.shift()
    if (q.length > 1024 && q.length > 4 * this.#inFlight.size) q.retain((h) => !h.over)
    if (q.length === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
  }

  /** A store for one record's work: each call runs in the record's context and is refused once the work settled. @internal */
  storeFor<S extends StateStore>(name: string, h: Held): S {
    if (!this.#storeNames.has(name)) throw new InvalidArgumentError(`async processor '${this.#name}' has no access to state store '${name}' (name it in the stores option)`)
    const store = this.#ctx.getStateStore<S>(name)
    const host = this.#host
    const stage = this.#name
    return new Proxy(store, {
      get(target, prop, receiver) {
        const v: unknown = Reflect.get(target, prop, receiver)
        if (typeof v !== 'function') return v
        return (...args: unknown[]): unknown => {
          if (h.over) throw new InvalidArgumentError(`async processor '${stage}': state store '${name}' used after the record's work settled (timed out or abandoned)`)
          let result: unknown
          host.inHeldContext(h.ctx, () => {
            result = (v as (...a: unknown[]) => unknown).apply(target, args)
          })
          return result
        }
      },
    })
  }

  #done(h: Held, err: unknown): void {
    this.#inFlight.delete(h)
    h.state = DONE
    if (this.#o.timeoutMs !== undefined) this.#pruneDeadlines()
    if (err !== undefined) {
      h.out = null
      try {
        this.#host.asyncRecordFailed(err, h.ctx)
      } catch (fatal) {
        this.#work.fail(fatal instanceof Error ? fatal : new Error(String(fatal)))
        return
      }
    }
    // The key's next record may start (its store access follows this record's).
    const next = h.nextSameKey
    if (this.#o.keyed) {
      if (next !== null) this.#ready.push(next)
      else if (this.#lastOfKey.get(h.keyId) === h) this.#lastOfKey.delete(h.keyId)
    }
    try {
      if (this.#o.ordered) {
        for (let head = this.#inOrder.peek(); head !== undefined && head.state === DONE; head = this.#inOrder.peek()) {
          this.#inOrder.shift()
          this.#forward(head)
        }
      } else {
        this.#forward(h)
      }
    } catch (fatal) {
      this.#work.fail(fatal instanceof Error ? fatal : new Error(String(fatal)))
      return
    }
    this.#startReady()
    this.#work.changed()
  }

  /** Forwards a record's results in its context; a downstream failure goes through the handler. */
  #forward(h: Held): void {
    this.#held--
    this.#bytes -= h.ctx.bytes
    const out = h.out
    if (out === null) return
    h.out = null
    try {
      this.#host.inHeldContext(h.ctx, () => {
        for (const r of out) this.#ctx.forward(r)
      })
    } catch (err) {
      if (err instanceof StreamsProcessingError) throw err
      this.#host.asyncRecordFailed(err, h.ctx)
    }
  }

  /** Aborts the calls in flight and drops every held record. */
  abandon(reason: string): void {
    this.#epoch++
    const aborted = new AsyncAbandonedError(reason)
    const drop = (h: Held): void => h.abort(aborted)
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#deadlines.clear()
    // Every held record is reachable from the ready queue, a key chain or (ordered) the order queue.
    for (const h of this.#inOrder.clear()) drop(h)
    for (const h of this.#ready.clear()) for (let x: Held | null = h; x !== null; x = x.nextSameKey) drop(x)
    for (const h of this.#lastOfKey.values()) drop(h)
    for (const h of this.#inFlight) drop(h)
    this.#inFlight.clear()
    this.#lastOfKey.clear()
    this.#held = 0
    this.#bytes = 0
  }

  close(): void {
    this.#closed = true
    if (this.#held > 0) this.abandon(`task ${this.#host.taskId} closed`)
  }
}

/** A task as the runtime sees its async stages. @internal */
export interface AsyncWorkOwner {
  readonly asyncWork: AsyncWork | null
}

/** Throws the failure of a task's async stage, if any (the runtime's loop checks after each step). @internal */
export function throwAsyncFailure(tasks: Iterable<AsyncWorkOwner>): void {
  for (const t of tasks) {
    const err = t.asyncWork?.failure
    if (err !== undefined) throw err
  }
}

/** Resolves once no task's async stage holds a record (before a commit). @internal */
export async function whenAsyncIdle(tasks: Iterable<AsyncWorkOwner>): Promise<void> {
  for (const t of tasks) if (t.asyncWork !== null && t.asyncWork.held > 0) await t.asyncWork.whenIdle()
}

/** Abandons what every task's async stages hold (before a transaction is aborted: no late result may reach the producer). @internal */
export function abandonAsync(tasks: Iterable<AsyncWorkOwner>, reason: string): void {
  for (const t of tasks) if (t.asyncWork !== null && t.asyncWork.held > 0) t.asyncWork.abandon(reason)
}
