/**
 * What the user functions of the async operators get as their call context: small facades over
 * the stage's per-record holder that expose only the documented fields. The holder itself
 * (its emit, store, record, epoch, ...) stays out of reach; the facade keeps it in a private
 * field and has its methods on the prototype, so a record costs one small object and no closures.
 */
import type { RecordMetadata, Record } from '../record.js'
import type { AsyncCallContext, AsyncWorkCall } from '../runtime/async-stage.js'
import type { StateStore } from '../state/store.js'
import type { AsyncProcessorContext } from './async-operators.js'

/** The holder behind a view (for the subclass: `#call` is private to its class). */
let callOf: (view: AsyncCallView) => AsyncWorkCall

/** The {@link AsyncCallContext} of one record's call (mapValuesAsync, mapAsync, filterAsync, ...). @internal */
export class AsyncCallView implements AsyncCallContext {
  readonly #call: AsyncWorkCall
  constructor(call: AsyncWorkCall) {
    this.#call = call
  }

  static {
    callOf = (view) => view.#call
  }

  /** Read through: the call creates its AbortController only if the function uses the signal. */
  get signal(): AbortSignal {
    return this.#call.signal
  }

  get metadata(): RecordMetadata | null {
    return this.#call.metadata
  }
}

/** The {@link AsyncProcessorContext} of one record's call (processAsync). @internal */
export class AsyncProcessorView<KOut, VOut> extends AsyncCallView implements AsyncProcessorContext<KOut, VOut> {
  forward(record: Record<KOut, VOut>): void {
    callOf(this).emit(record as Record<unknown, unknown>)
  }

  getStateStore<S extends StateStore>(name: string): S {
    return callOf(this).store<S>(name)
  }
}
