/**
 * GlobalKTable: a table fully replicated in every instance, filled from all partitions of its
 * topic before processing; joined with a key selector, so no co-partitioning is needed.
 */

/** A global table; use it with `KStream.join` / `leftJoin` and a key selector. */
export class GlobalKTable<K, V> {
  /** The global store's name. */
  readonly storeName: string
  /** @internal Phantom fields so K and V take part in type checking. */
  declare readonly __types?: { key: K; value: V }

  /** @internal */
  constructor(storeName: string) {
    this.storeName = storeName
  }

  /** Name of the store holding this table (queryable by this name). */
  get queryableStoreName(): string {
    return this.storeName
  }
}
