/**
 * The typed face of a session store: serdes over a {@link SessionBytesStore}. Serdes see the
 * store's changelog topic name, as in Kafka Streams.
 */
import type { KeyValue } from '../record.js'
import type { Serde } from '../serde.js'
import type { Windowed } from '../windowed.js'
import type { SessionBytesStore, SessionStore } from './session-store.js'
import { keyBytes } from './typed-window.js'

type Sessions<K, V> = IterableIterator<KeyValue<Windowed<K>, V>>

/** A {@link SessionStore} that (de)serializes around a bytes session store. */
export class SerdeSessionStore<K, V> implements SessionStore<K, V> {
  readonly name: string
  readonly bytes: SessionBytesStore
  readonly keySerde: Serde<K>
  readonly valueSerde: Serde<V>
  readonly #topic: string

  /** @param serdeTopic the topic name serdes see (the changelog topic). */
  constructor(bytes: SessionBytesStore, keySerde: Serde<K>, valueSerde: Serde<V>, serdeTopic: string) {
    this.name = bytes.name
    this.bytes = bytes
    this.keySerde = keySerde
    this.valueSerde = valueSerde
    this.#topic = serdeTopic
  }

  get persistent(): boolean {
    return this.bytes.persistent
  }

  put(session: Windowed<K>, aggregate: V | null): void {
    this.bytes.put(this.#session(session), aggregate === null ? null : this.valueSerde.serialize(this.#topic, aggregate))
  }

  remove(session: Windowed<K>): void {
    this.bytes.remove(this.#session(session))
  }

  findSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): Sessions<K, V>
  findSessions(keyFrom: K | null, keyTo: K | null, earliestSessionEndTime: number, latestSessionStartTime: number): Sessions<K, V>
  findSessions(a: K | null, b: K | number | null, c: number, d?: number): Sessions<K, V> {
    if (d === undefined) return this.#decode(this.bytes.findSessions(this.#key(a as K), b as number, c))
    return this.#decode(this.bytes.findSessions(this.#bound(a), this.#bound(b as K | null), c, d))
  }

  backwardFindSessions(key: K, earliestSessionEndTime: number, latestSessionStartTime: number): Sessions<K, V>
  backwardFindSessions(keyFrom: K | null, keyTo: K | null, earliestSessionEndTime: number, latestSessionStartTime: number): Sessions<K, V>
  backwardFindSessions(a: K | null, b: K | number | null, c: number, d?: number): Sessions<K, V> {
    if (d === undefined) return this.#decode(this.bytes.backwardFindSessions(this.#key(a as K), b as number, c))
    return this.#decode(this.bytes.backwardFindSessions(this.#bound(a), this.#bound(b as K | null), c, d))
  }

  fetchSession(key: K, sessionStartTime: number, sessionEndTime: number): V | null {
    const v = this.bytes.fetchSession(this.#key(key), sessionStartTime, sessionEndTime)
    return v === null ? null : this.valueSerde.deserialize(this.#topic, v)
  }

  fetch(key: K): Sessions<K, V>
  fetch(keyFrom: K | null, keyTo: K | null): Sessions<K, V>
  fetch(...args: [K] | [K | null, K | null]): Sessions<K, V> {
    if (args.length === 1) return this.#decode(this.bytes.fetch(this.#key(args[0])))
    return this.#decode(this.bytes.fetch(this.#bound(args[0]), this.#bound(args[1])))
  }

  backwardFetch(key: K): Sessions<K, V>
  backwardFetch(keyFrom: K | null, keyTo: K | null): Sessions<K, V>
  backwardFetch(...args: [K] | [K | null, K | null]): Sessions<K, V> {
    if (args.length === 1) return this.#decode(this.bytes.backwardFetch(this.#key(args[0])))
    return this.#decode(this.bytes.backwardFetch(this.#bound(args[0]), this.#bound(args[1])))
  }

  flush(): void {
    this.bytes.flush()
  }

  close(): void {
    this.bytes.close()
  }

  #key(key: K): Buffer {
    return keyBytes(this.keySerde, this.#topic, key, this.name)
  }

  #bound(key: K | null): Buffer | null {
    return key === null ? null : this.#key(key)
  }

  #session(session: Windowed<K>): Windowed<Buffer> {
    return { key: this.#key(session.key), window: session.window }
  }

  *#decode(it: Iterable<KeyValue<Windowed<Buffer>, Buffer>>): Sessions<K, V> {
    for (const e of it) {
      yield { key: { key: this.keySerde.deserialize(this.#topic, e.key.key), window: e.key.window }, value: this.valueSerde.deserialize(this.#topic, e.value) }
    }
  }
}
