/**
 * What a Client handed out and must close with itself (producers flush, consumers leave their
 * groups), and the bounded waits of closing: nothing here may keep close() or the process
 * waiting past the close timeout.
 */

/** Default close timeout of clients and producers (ClientOptions.closeTimeoutMs). */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000

/** Something with an asynchronous close (a producer, a group consumer). */
export interface Closeable {
  close(options?: { timeoutMs?: number }): Promise<void>
}

/** Waits for `p` at most `ms`; true when it settled in time. The timer never outlives the wait. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  if (!Number.isFinite(ms)) {
    await p.catch(() => undefined)
    return true
  }
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([p.then(() => true, () => true), expired])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Rejects once `signal` aborts (with `reasonOf(signal)`, by default its reason), else settles as
 * `p` does; an abandoned `p` is marked handled. Nothing stays registered afterwards.
 */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal, reasonOf: (signal: AbortSignal) => unknown = (s) => s.reason): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined)
    return Promise.reject(reasonOf(signal))
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      p.catch(() => undefined)
      reject(reasonOf(signal))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}

/** The resources a Client handed out and not closed yet. */
export class OwnedResources {
  private readonly items = new Set<Closeable>()

  /** Tracks `r` until it is closed (by its owner or with the Client). */
  add<T extends Closeable>(r: T): T {
    this.items.add(r)
    return r
  }

  /** Forgets `r` (it closed on its own). */
  delete(r: Closeable): void {
    this.items.delete(r)
  }

  /** Closes every resource at once, each with `timeoutMs`; resolves once all have settled (failures are the callers'). */
  closeAll(timeoutMs: number): Promise<void> {
    const items = [...this.items]
    this.items.clear()
    return Promise.allSettled(items.map((r) => r.close({ timeoutMs }))).then(() => undefined)
  }
}
