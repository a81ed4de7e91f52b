/**
 * What every store builder shares: the bytes store supplier, the serdes (omitted ones fall back
 * to the runtime's defaults) and the changelog settings, with copies that switch logging.
 */
import type { Serde } from '../serde.js'

/**
 * Base of the store builders that log to a changelog topic. `Self` is the concrete builder
 * type, so the logging copies keep it.
 */
export abstract class LoggedStoreBuilder<S extends { readonly name: string }, K, V, Self> {
  readonly supplier: S
  readonly keySerde: Serde<K> | undefined
  readonly valueSerde: Serde<V> | undefined
  /** Whether changes go to the `<applicationId>-<name>-changelog` topic (default true). */
  readonly loggingEnabled: boolean
  /** Topic configs for the changelog topic, over the builder's defaults. */
  readonly changelogConfig: Readonly<globalThis.Record<string, string>>

  constructor(
    supplier: S,
    keySerde: Serde<K> | undefined,
    valueSerde: Serde<V> | undefined,
    loggingEnabled = true,
    changelogConfig: Readonly<globalThis.Record<string, string>> = {},
  ) {
    this.supplier = supplier
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    this.loggingEnabled = loggingEnabled
    this.changelogConfig = changelogConfig
  }

  /** The store name (the supplier's). */
  get name(): string {
    return this.supplier.name
  }

  /** A copy that does not log changes (no changelog topic, no restore). */
  withLoggingDisabled(): Self {
    return this.withLogging(false, {})
  }

  /** A copy that logs changes, with these changelog topic configs. */
  withLoggingEnabled(config: Readonly<globalThis.Record<string, string>> = {}): Self {
    return this.withLogging(true, config)
  }

  /** A copy with these logging settings and everything else the same. */
  protected abstract withLogging(loggingEnabled: boolean, changelogConfig: Readonly<globalThis.Record<string, string>>): Self
}
