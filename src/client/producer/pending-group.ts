/**
 * One promise for the results of several records (a `sendBatch()` or `produceMany()` call):
 * resolved with every record's result, in the order given, once all are in, or rejected with the
 * first failure. Records settle it by index, so no closure is made per record.
 */
export class PendingGroup<T> {
  readonly promise: Promise<T[]>
  readonly #out: T[]
  #remaining: number
  #failed = false
  #resolve!: (results: T[]) => void
  #reject!: (err: Error) => void

  constructor(n: number) {
    this.#out = new Array<T>(n)
    this.#remaining = n
    this.promise = new Promise<T[]>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    if (n === 0) this.#resolve(this.#out)
  }

  /** Record `index` succeeded with `result`. */
  settle(index: number, result: T): void {
    this.#out[index] = result
    if (--this.#remaining === 0 && !this.#failed) this.#resolve(this.#out)
  }

  /** A record failed: the first failure rejects the group. */
  fail(err: Error): void {
    this.#remaining--
    if (!this.#failed) {
      this.#failed = true
      this.#reject(err)
    }
  }
}
