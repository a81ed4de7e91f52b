/**
 * The memory budget of a producer: bytes of records admitted and not yet settled, with callers
 * that find it full waiting in strict FIFO order (so records keep the order of the calls that
 * produced them), each for at most `maxBlockMs` (then {@link BufferExhaustedError}, as the
 * Java producer's max.block.ms). Shared by the RecordAccumulator and the BatchProducer.
 *
 * A waiting caller costs one queue slot and its own waiter object: nothing is copied and no
 * closure is made per waiting call, and admitting the head of the queue costs the same however
 * many wait behind it.
 */
import { BufferExhaustedError } from './errors.js'
import { Fifo } from './fifo.js'

/** A caller waiting for budget: one item (a send) or several admitted in order (a batch call). */
export interface BudgetWaiter {
  /** When waiting must end (set by the budget when the waiter is queued). */
  deadline: number
  /** Bytes of the next item to admit. */
  nextSize(): number
  /** Admits the next item, whose bytes are now reserved; true when no item is left. */
  admitNext(): boolean
  /** Waiting ran out (`maxBlockMs`): every item not admitted yet fails with `err`. */
  refuse(err: Error): void
}

/** Adapts {@link ByteBudget.admitAll}'s callbacks to a waiter. */
class CallbackWaiter implements BudgetWaiter {
  deadline = 0
  private next = 0

  constructor(
    private readonly n: number,
    private readonly sizeOf: (i: number) => number,
    private readonly onAdmit: (i: number) => void,
    private readonly onRefuse: ((from: number, err: Error) => void) | undefined,
  ) {}

  nextSize(): number {
    return this.sizeOf(this.next)
  }

  admitNext(): boolean {
    this.onAdmit(this.next++)
    return this.next >= this.n
  }

  refuse(err: Error): void {
    this.onRefuse?.(this.next, err)
  }
}

export class ByteBudget {
  private usedBytes = 0
  private readonly waiters = new Fifo<BudgetWaiter>()
  private drainScheduled = false
  private draining = false
  private expiryTimer: NodeJS.Timeout | undefined
  private readonly idleWaiters: Array<() => void> = []

  constructor(
    private readonly maxBytes: number,
    /** How long a caller may wait for space before {@link BufferExhaustedError}. */
    private readonly maxBlockMs: number = 60_000,
  ) {}

  /** Bytes admitted and not yet released. */
  get used(): number {
    return this.usedBytes
  }

  /** The budget's size in bytes. */
  get limit(): number {
    return this.maxBytes
  }

  /** Callers waiting for space. */
  get waiting(): number {
    return this.waiters.length
  }

  /** True when `size` more bytes may be admitted now without overtaking a waiter. */
  canAdmit(size: number): boolean {
    return this.waiters.length === 0 && this.hasSpace(size)
  }

  /** Reserves `size` bytes (after canAdmit said yes). */
  reserve(size: number): void {
    this.usedBytes += size
  }

  /** Gives bytes back (their records settled, or were refused); lets waiters in that now fit. */
  release(size: number): void {
    this.usedBytes -= size
    if (this.waiters.length > 0 && !this.drainScheduled) {
      // Admitted on a microtask, not inside the caller (which may be settling a batch).
      this.drainScheduled = true
      queueMicrotask(() => this.drain())
    }
    this.checkIdle()
  }

  /**
   * Admits the waiter's items in order as space allows, at once where it can; the rest wait
   * (FIFO with every other caller, at most `maxBlockMs`). Once the first item has its turn, the
   * rest of the waiter keeps it, so no other caller's item slips in between.
   */
  admit(w: BudgetWaiter): void {
    if (this.waiters.length === 0) {
      for (;;) {
        const size = w.nextSize()
        if (!this.hasSpace(size)) break
        this.usedBytes += size
        if (w.admitNext()) return
      }
    }
    if (this.maxBlockMs === 0) {
      w.refuse(this.exhausted(w))
      return
    }
    w.deadline = Date.now() + this.maxBlockMs
    this.waiters.push(w)
    this.armExpiry()
  }

  /**
   * {@link admit} with callbacks: reserves `sizeOf(i)` bytes before `onAdmit(i)` for each of `n`
   * items; `onRefuse(from, err)` when waiting ran out for items `from..n-1`.
   */
  admitAll(n: number, sizeOf: (i: number) => number, onAdmit: (i: number) => void, onRefuse?: (from: number, err: Error) => void): void {
    if (n > 0) this.admit(new CallbackWaiter(n, sizeOf, onAdmit, onRefuse))
  }

  /** Resolves once nothing is admitted or waiting. */
  async whenIdle(): Promise<void> {
    if (this.isIdle()) return
    await new Promise<void>((r) => this.idleWaiters.push(r))
  }

  private drain(): void {
    this.drainScheduled = false
    if (this.draining) return
    this.draining = true
    try {
      for (let w = this.waiters.peek(); w !== undefined; w = this.waiters.peek()) {
        const size = w.nextSize()
        if (!this.hasSpace(size)) break
        this.usedBytes += size
        if (w.admitNext()) this.waiters.shift()
      }
    } finally {
      this.draining = false
    }
    if (this.waiters.length === 0 && this.expiryTimer) {
      clearTimeout(this.expiryTimer)
      this.expiryTimer = undefined
    }
    this.checkIdle()
  }

  /** One timer, for the head's deadline (deadlines grow along the queue). */
  private armExpiry(): void {
    const head = this.waiters.peek()
    if (this.expiryTimer || head === undefined) return
    this.expiryTimer = setTimeout(() => this.expire(), Math.max(0, head.deadline - Date.now()))
    // Waiting sends do not keep a process alive on their own: batches in flight do.
    this.expiryTimer.unref()
  }

  private expire(): void {
    this.expiryTimer = undefined
    const now = Date.now()
    for (let w = this.waiters.peek(); w !== undefined && w.deadline <= now; w = this.waiters.peek()) {
      this.waiters.shift()
      w.refuse(this.exhausted(w))
    }
    // A refused head may have left room for the next.
    this.drain()
    this.armExpiry()
  }

  private exhausted(w: BudgetWaiter): BufferExhaustedError {
    return new BufferExhaustedError(
      `failed to allocate ${w.nextSize()} bytes within maxBlockMs (${this.maxBlockMs} ms): maxBufferedBytes is ${this.maxBytes}, ${this.usedBytes} in use`,
    )
  }

  /** An item fits when there is room for it, or nothing is admitted (so a huge one can still go alone). */
  private hasSpace(size: number): boolean {
    return this.usedBytes === 0 || this.usedBytes + size <= this.maxBytes
  }

  private isIdle(): boolean {
    return this.usedBytes === 0 && this.waiters.length === 0
  }

  private checkIdle(): void {
    if (this.isIdle()) while (this.idleWaiters.length > 0) this.idleWaiters.shift()!()
  }
}
