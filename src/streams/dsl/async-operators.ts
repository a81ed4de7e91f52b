/**
 * The async operators of KStream (`mapValuesAsync`, `mapAsync`, `flatMapAsync`,
 * `flatMapValuesAsync`, `filterAsync`, `processAsync`): each is one `AsyncStage` node
 * whose work per record is the user's Promise. See runtime/async-stage.ts for the ordering,
 * commit and memory rules. User functions get a facade of the call (async-call-context.ts), never
 * the stage's per-record holder.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import type { ProcessorSupplier } from '../processor.js'
import type { KeyValue, Record } from '../record.js'
import type { StateStore } from '../state/store.js'
import { AsyncStage, resolveAsyncOptions, type AsyncCallContext, type AsyncOptions, type AsyncWorkFn } from '../runtime/async-stage.js'
import { AsyncCallView, AsyncProcessorView } from './async-call-context.js'

export type { AsyncCallContext, AsyncOptions } from '../runtime/async-stage.js'

/** What `processAsync`'s function gets besides the record. */
export interface AsyncProcessorContext<KOut, VOut> extends AsyncCallContext {
  /**
   * Forwards a record downstream. Records are held until the function's promise resolves, then
   * forwarded in order with the input record's context (dropped if it rejects or times out).
   */
  forward(record: Record<KOut, VOut>): void
  /**
   * A store named in the `stores` option. With `keyed` (the default), calls for one key are
   * serialized: a record's function runs after the previous one of its key settled. Calls after
   * the function settled (or timed out) throw.
   */
  getStateStore<S extends StateStore>(name: string): S
}

/** Options of `KStream.processAsync`. */
export interface ProcessAsyncOptions extends AsyncOptions {
  /** Stores the function may open (registered with `StreamsBuilder.addStateStore`). */
  stores?: string[]
}

/** Node name prefixes of the async operators (generated names). */
export const AsyncPrefix = {
  MAPVALUES: 'KSTREAM-MAPVALUES-ASYNC-',
  MAP: 'KSTREAM-MAP-ASYNC-',
  FLATMAP: 'KSTREAM-FLATMAP-ASYNC-',
  FLATMAPVALUES: 'KSTREAM-FLATMAPVALUES-ASYNC-',
  FILTER: 'KSTREAM-FILTER-ASYNC-',
  PROCESSOR: 'KSTREAM-PROCESSOR-ASYNC-',
} as const

/** A node of an async operator: its name prefix, supplier and the stores it uses. @internal */
export interface AsyncNode {
  prefix: string
  /** The supplier for the node named `nodeName`. */
  supplier(nodeName: string): ProcessorSupplier<unknown, unknown, unknown, unknown>
  name: string | undefined
  stores: string[]
}

type U = unknown

function node(op: string, prefix: string, fn: unknown, options: AsyncOptions | undefined, work: AsyncWorkFn, stores: string[] = []): AsyncNode {
  if (typeof fn !== 'function') throw new InvalidArgumentError(`${op} needs a function, got ${typeof fn}`)
  const resolved = resolveAsyncOptions(op, options)
  const name = options?.name
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) throw new InvalidArgumentError(`${op} name must be a non-empty string`)
  return { prefix, supplier: (nodeName) => () => new AsyncStage(nodeName, work, resolved, stores), name, stores }
}

/** @internal KStream.mapValuesAsync. */
export function mapValuesAsyncNode(mapper: (value: U, key: U, call: AsyncCallContext) => Promise<U>, options: AsyncOptions): AsyncNode {
  return node('mapValuesAsync', AsyncPrefix.MAPVALUES, mapper, options, async (r, call) => {
    const value = await mapper(r.value, r.key, new AsyncCallView(call))
    call.emit({ ...r, value })
  })
}

/** @internal KStream.mapAsync. */
export function mapAsyncNode(mapper: (key: U, value: U, call: AsyncCallContext) => Promise<KeyValue<U, U>>, options: AsyncOptions): AsyncNode {
  return node('mapAsync', AsyncPrefix.MAP, mapper, options, async (r, call) => {
    const kv = await mapper(r.key, r.value, new AsyncCallView(call))
    call.emit({ ...r, key: kv.key, value: kv.value })
  })
}

/** @internal KStream.flatMapAsync. */
export function flatMapAsyncNode(mapper: (key: U, value: U, call: AsyncCallContext) => Promise<Iterable<KeyValue<U, U>>>, options: AsyncOptions): AsyncNode {
  return node('flatMapAsync', AsyncPrefix.FLATMAP, mapper, options, async (r, call) => {
    for (const kv of await mapper(r.key, r.value, new AsyncCallView(call))) call.emit({ ...r, key: kv.key, value: kv.value })
  })
}

/** @internal KStream.flatMapValuesAsync. */
export function flatMapValuesAsyncNode(mapper: (value: U, key: U, call: AsyncCallContext) => Promise<Iterable<U>>, options: AsyncOptions): AsyncNode {
  return node('flatMapValuesAsync', AsyncPrefix.FLATMAPVALUES, mapper, options, async (r, call) => {
    for (const value of await mapper(r.value, r.key, new AsyncCallView(call))) call.emit({ ...r, value })
  })
}

/** @internal KStream.filterAsync. */
export function filterAsyncNode(predicate: (key: U, value: U, call: AsyncCallContext) => Promise<boolean>, options: AsyncOptions): AsyncNode {
  return node('filterAsync', AsyncPrefix.FILTER, predicate, options, async (r, call) => {
    if (await predicate(r.key, r.value, new AsyncCallView(call))) call.emit(r)
  })
}

/** @internal KStream.processAsync. */
export function processAsyncNode(fn: (record: Record<U, U>, context: AsyncProcessorContext<U, U>) => Promise<void>, options: ProcessAsyncOptions): AsyncNode {
  const stores = options?.stores ?? []
  if (!Array.isArray(stores) || stores.some((s) => typeof s !== 'string')) throw new InvalidArgumentError('processAsync stores must be an array of store names')
  return node(
    'processAsync',
    AsyncPrefix.PROCESSOR,
    fn,
    options,
    async (r, call) => {
      await fn(r, new AsyncProcessorView<U, U>(call))
    },
    stores,
  )
}
