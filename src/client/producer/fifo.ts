/**
 * A first-in first-out queue on a ring buffer: push and shift in constant time however many
 * items wait (an array's shift() moves every remaining item, which made each admission cost
 * grow with the number of callers waiting for producer buffer space).
 */
export class Fifo<T> {
  #items: Array<T | undefined> = new Array<T | undefined>(16)
  #head = 0
  #length = 0

  /** Items queued. */
  get length(): number {
    return this.#length
  }

  /** Appends an item at the tail. */
  push(item: T): void {
    if (this.#length === this.#items.length) this.#grow()
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = item
    this.#length++
  }

  /** The item at the head, or undefined when empty. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head]
  }

  /** Removes and returns the item at the head, or undefined when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined
    const item = this.#items[this.#head]
    // Drop the reference so a settled item can be collected while others still wait.
    this.#items[this.#head] = undefined
    this.#head = (this.#head + 1) & (this.#items.length - 1)
    this.#length--
    return item
  }

  #grow(): void {
    const old = this.#items
    const next = new Array<T | undefined>(old.length * 2)
    for (let i = 0; i < this.#length; i++) next[i] = old[(this.#head + i) & (old.length - 1)]
    this.#items = next
    this.#head = 0
  }
}
