/**
 * The memory budget of a producer: bytes of records admitted and not yet settled, with callers
 * that find it full waiting in strict FIFO order (so records keep the order of the calls that
 * produced them). Shared by the RecordAccumulator and the BatchProducer.
 */
export class ByteBudget {
  private usedBytes = 0
  private readonly spaceWaiters: Array<{ size: number; wake: () => void }> = []
  /** A waiter was woken but has not taken its turn yet: others must not overtake it. */
  private waking = false
  private readonly idleWaiters: Array<() => void> = []

  constructor(private readonly maxBytes: number) {}

  /** Bytes admitted and not yet released. */
  get used(): number {
    return this.usedBytes
  }

  /** True when `size` more bytes may be admitted now without overtaking a waiter. */
  canAdmit(size: number): boolean {
    return this.spaceWaiters.length === 0 && !this.waking && this.hasSpace(size)
  }

  /** Reserves `size` bytes (after canAdmit said yes). */
  reserve(size: number): void {
    this.usedBytes += size
  }

  /** Gives bytes back (their records settled, or were refused); wakes the next waiter that fits. */
  release(size: number): void {
    this.usedBytes -= size
    this.admitWaiters()
    this.checkIdle()
  }

  /**
   * Admits `n` items in order, reserving `sizeOf(i)` bytes for each before `onAdmit(i)`;
   * waits (FIFO with every other caller) while the budget is spent. Once the first item has
   * its turn, the rest of the call keeps it, so no other caller's item slips in between.
   */
  admitAll(n: number, sizeOf: (i: number) => number, onAdmit: (i: number) => void): void {
    this.admitFrom(0, n, sizeOf, onAdmit, false)
  }

  /** Resolves once nothing is admitted or waiting. */
  async whenIdle(): Promise<void> {
    if (this.isIdle()) return
    await new Promise<void>((r) => this.idleWaiters.push(r))
  }

  private admitFrom(from: number, n: number, sizeOf: (i: number) => number, onAdmit: (i: number) => void, woken: boolean): void {
    for (let i = from; i < n; i++) {
      // A woken waiter's bytes were reserved when it was woken.
      if (!(woken && i === from)) {
        const size = sizeOf(i)
        const mustWait = woken ? !this.hasSpace(size) : this.spaceWaiters.length > 0 || this.waking || !this.hasSpace(size)
        if (mustWait) {
          const wait = { size, wake: () => queueMicrotask(() => this.admitFrom(i, n, sizeOf, onAdmit, true)) }
          if (woken) {
            // Keep our place at the front of the queue.
            this.spaceWaiters.unshift(wait)
            this.waking = false
          } else this.spaceWaiters.push(wait)
          return
        }
        this.usedBytes += size
      }
      onAdmit(i)
    }
    if (woken) {
      this.waking = false
      this.admitWaiters()
      // An item released during onAdmit (refused at once) found the budget still waking, not idle.
      this.checkIdle()
    }
  }

  /** An item fits when there is room for it, or nothing is admitted (so a huge one can still go alone). */
  private hasSpace(size: number): boolean {
    return this.usedBytes === 0 || this.usedBytes + size <= this.maxBytes
  }

  private admitWaiters(): void {
    if (this.waking || this.spaceWaiters.length === 0 || !this.hasSpace(this.spaceWaiters[0].size)) return
    const w = this.spaceWaiters.shift()!
    this.usedBytes += w.size
    this.waking = true
    w.wake()
  }

  private isIdle(): boolean {
    return this.usedBytes === 0 && this.spaceWaiters.length === 0 && !this.waking
  }

  private checkIdle(): void {
    if (this.isIdle()) while (this.idleWaiters.length > 0) this.idleWaiters.shift()!()
  }
}
