/**
 * Whether a KTable's processors forward old values, as Kafka Streams decides it
 * (`enableSendingOldValues`): aggregations always can; a source table (builder.table, toTable) can
 * once it is materialized, which a user-named store does, as do groupBy and joins (they force it);
 * filter and mapValues follow their parent. The decision shows in KTable.filter: with old values
 * it drops updates that were and stay filtered out; without, it forwards a delete for each. Only a
 * materialized source table's updates go through the record cache.
 */

/** @internal One KTable's old-value state. */
export interface OldValues {
  /** Asks for old values; `force` materializes a source table. True when old values will be sent. */
  enable(force: boolean): boolean
  /** A join reads the table through its store: a source table becomes materialized. */
  materialize(): void
}

/** @internal Aggregations: materialized, old values always available. */
export const ALWAYS_OLD_VALUES: OldValues = { enable: () => true, materialize: () => {} }

/**
 * @internal A source table; `materialized` when its store has a user-given name. `onMaterialized`
 * runs once, when the table is (or becomes) materialized.
 */
export function sourceOldValues(materialized: boolean, onMaterialized: () => void = () => {}): OldValues {
  let m = false
  const materialize = (): void => {
    if (m) return
    m = true
    onMaterialized()
  }
  if (materialized) materialize()
  return {
    enable(force) {
      if (!force && !m) return false
      materialize()
      return true
    },
    materialize,
  }
}

/** @internal A stateless table operation (filter, mapValues); `sending()` is read when processors are created. */
export function derivedOldValues(parent: OldValues, initial: boolean): OldValues & { sending(): boolean } {
  let send = initial
  return {
    enable(force) {
      if (parent.enable(force)) send = true
      return send
    },
    materialize: () => parent.materialize(),
    sending: () => send,
  }
}
