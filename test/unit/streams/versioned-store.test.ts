import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import { Serdes } from '../../../src/streams/serde.js'
import type { ChangelogSink } from '../../../src/streams/state/store.js'
import { Stores } from '../../../src/streams/state/stores.js'
import { SerdeVersionedKeyValueStore, VersionedStoreBuilder } from '../../../src/streams/state/versioned-store-builder.js'
import { InMemoryKeyValueStore } from '../../../src/streams/state/in-memory.js'
import {
  BytesVersionedStore,
  PUT_RETURN_CODE_NOT_PUT,
  PUT_RETURN_CODE_VALID_TO_UNDEFINED,
  type VersionedBytesStoreSupplier,
  type VersionedKeyValueStore,
} from '../../../src/streams/state/versioned-store.js'

interface Logged {
  key: Buffer
  value: Buffer | null
  timestamp: number
}

function open(supplier: VersionedBytesStoreSupplier, log?: Logged[]): VersionedKeyValueStore<string, string> {
  const sink: ChangelogSink | null = log === undefined ? null : { logChange: (_s, key, value, timestamp) => log.push({ key, value, timestamp }) }
  return new SerdeVersionedKeyValueStore(supplier.get(), Serdes.string(), Serdes.string(), 'app-s-changelog', sink)
}

const suppliers: Array<[string, (retention: number) => VersionedBytesStoreSupplier]> = [
  ['in-memory', (r) => Stores.inMemoryVersionedKeyValueStore('s', r)],
  ['lmdb', (r) => Stores.persistentVersionedKeyValueStore('s', r)],
]

describe.each(suppliers)('versioned key-value store (%s)', (_kind, make) => {
  it('keeps versions: in-order and out-of-order puts, as-of reads with validTo, equal-timestamp replace', () => {
    const s = open(make(100))
    expect(s.put('k', 'a', 10)).toBe(PUT_RETURN_CODE_VALID_TO_UNDEFINED)
    expect(s.put('k', 'b', 20)).toBe(PUT_RETURN_CODE_VALID_TO_UNDEFINED)
    expect(s.get('k')).toEqual({ value: 'b', timestamp: 20 })
    expect(s.get('k', 15)).toEqual({ value: 'a', timestamp: 10, validTo: 20 })
    expect(s.get('k', 20)).toEqual({ value: 'b', timestamp: 20 })
    expect(s.get('k', 9)).toBeNull()
    // Out of order: returns the new version's validTo, the latest stays.
    expect(s.put('k', 'c', 15)).toBe(20)
    expect(s.get('k')).toEqual({ value: 'b', timestamp: 20 })
    expect(s.get('k', 17)).toEqual({ value: 'c', timestamp: 15, validTo: 20 })
    expect(s.get('k', 12)).toEqual({ value: 'a', timestamp: 10, validTo: 15 })
    expect(s.put('k', 'c2', 15)).toBe(20)
    expect(s.get('k', 15)).toEqual({ value: 'c2', timestamp: 15, validTo: 20 })
    expect(s.get('other')).toBeNull()
    s.close()
  })

  it('deletes with tombstone versions and returns the record valid at the delete time', () => {
    const s = open(make(100))
    s.put('k', 'a', 10)
    s.put('k', 'b', 20)
    expect(s.delete('k', 30)).toEqual({ value: 'b', timestamp: 20 })
    expect(s.get('k')).toBeNull()
    expect(s.get('k', 25)).toEqual({ value: 'b', timestamp: 20, validTo: 30 })
    expect(s.get('k', 35)).toBeNull()
    // A tombstone in the middle of the history.
    expect(s.delete('k', 15)).toEqual({ value: 'a', timestamp: 10, validTo: 20 })
    expect(s.get('k', 17)).toBeNull()
    expect(s.get('k', 12)).toEqual({ value: 'a', timestamp: 10, validTo: 15 })
    // A tombstone on a key with no data still bounds later out-of-order puts.
    expect(s.put('x', null, 40)).toBe(PUT_RETURN_CODE_VALID_TO_UNDEFINED)
    expect(s.put('x', 'v', 35)).toBe(40)
    expect(s.get('x')).toBeNull()
    expect(s.get('x', 37)).toEqual({ value: 'v', timestamp: 35, validTo: 40 })
    s.close()
  })

  it('refuses puts and deletes older than the history retention and answers old reads from the latest version only', () => {
    const s = open(make(100))
    s.put('k', 'a', 10)
    expect(s.put('k', 'd', 200)).toBe(PUT_RETURN_CODE_VALID_TO_UNDEFINED)
    expect(s.put('k', 'late', 99)).toBe(PUT_RETURN_CODE_NOT_PUT)
    expect(s.delete('k', 99)).toBeNull()
    expect(s.put('k', 'e', 100)).toBe(200)
    expect(s.get('k', 150)).toEqual({ value: 'e', timestamp: 100, validTo: 200 })
    // asOf 99 < stream time 200 - retention 100: only the latest version could answer, and it is newer.
    expect(s.get('k', 99)).toBeNull()
    expect(s.get('k', 250)).toEqual({ value: 'd', timestamp: 200 })
    // The latest version never expires.
    s.put('y', 'only', 150)
    s.put('z', 'z', 1000)
    expect(s.get('y', 500)).toEqual({ value: 'only', timestamp: 150 })
    expect(s.get('y')).toEqual({ value: 'only', timestamp: 150 })
    s.close()
  })

  it('drops versions past the history retention as stream time advances', () => {
    const s = open(make(100))
    s.put('y', 'old', 110)
    s.put('y', 'new', 300)
    expect(s.get('y', 250)).toEqual({ value: 'old', timestamp: 110, validTo: 300 })
    s.put('y', 'newer', 500)
    expect(s.get('y', 450)).toEqual({ value: 'new', timestamp: 300, validTo: 500 })
    expect(s.get('y', 350)).toBeNull()
    expect(s.get('y', 299)).toBeNull()
    s.close()
  })

  it('logs every put and delete (refused ones too) and restores the same versions from those changelog records', () => {
    const log: Logged[] = []
    const s = open(make(100), log)
    s.put('k', 'a', 10)
    s.put('k', 'b', 20)
    s.put('k', 'c', 15)
    s.delete('k', 30)
    s.put('j', 'j1', 300)
    expect(s.put('k', 'late', 5)).toBe(PUT_RETURN_CODE_NOT_PUT)
    expect(log.map((r) => [r.key.toString(), r.value?.toString() ?? null, r.timestamp])).toEqual([
      ['k', 'a', 10],
      ['k', 'b', 20],
      ['k', 'c', 15],
      ['k', null, 30],
      ['j', 'j1', 300],
      ['k', 'late', 5],
    ])
    const builder = new VersionedStoreBuilder<string, string>(make(100), Serdes.string(), Serdes.string())
    const built = builder.build({
      context: { applicationId: 'app', taskId: '0_0' },
      changelog: null,
      time: { currentRecordTimestamp: () => 0 },
      keySerde: Serdes.string() as never,
      valueSerde: Serdes.string() as never,
      serdeTopic: 'app-s-changelog',
    })
    for (const r of log) built.restore(r.key, r.value, r.timestamp)
    const restored = built.store as VersionedKeyValueStore<string, string>
    for (const t of [5, 12, 17, 25, 35, 250, 301]) expect(restored.get('k', t)).toEqual(s.get('k', t))
    expect(restored.get('k')).toBeNull()
    expect(restored.get('j')).toEqual({ value: 'j1', timestamp: 300 })
    expect(built.decodeChangelog(Buffer.from('k'), Buffer.from('v'))).toEqual({ key: 'k', value: 'v' })
    built.wipe()
    expect(restored.get('j')).toBeNull()
    s.close()
    restored.close()
  })
})

describe('versioned store expiry', () => {
  it('sweeps expired versions of every key when stream time enters a new segment interval', () => {
    const inner = new InMemoryKeyValueStore('s')
    const store = new BytesVersionedStore(inner, 100, 50)
    const a = Buffer.from('a')
    store.put(a, Buffer.from('1'), 10)
    store.put(a, Buffer.from('2'), 20)
    const before = (inner.get(a) as Buffer).length
    // Another key moves stream time to 500 (segment 10): a's version 1 (validTo 20 <= 400) goes; its latest stays.
    store.put(Buffer.from('b'), Buffer.from('x'), 500)
    expect((inner.get(a) as Buffer).length).toBeLessThan(before)
    expect(store.get(a)?.value.toString()).toBe('2')
    expect(store.get(a, 450)?.value.toString()).toBe('2')
  })
})

describe('versioned store suppliers and builder', () => {
  it('reject a negative history retention and a segment interval below 1 ms', () => {
    expect(() => Stores.persistentVersionedKeyValueStore('s', -1)).toThrow(InvalidArgumentError)
    expect(() => Stores.persistentVersionedKeyValueStore('s', 10, 0)).toThrow(/segmentIntervalMs/)
    expect(() => Stores.inMemoryVersionedKeyValueStore('s', 1.5)).toThrow(/historyRetentionMs/)
  })

  it("use Kafka Streams' default segment interval and changelog topic configs", () => {
    expect(Stores.persistentVersionedKeyValueStore('s', 60_000).segmentIntervalMs).toBe(20_000)
    expect(Stores.persistentVersionedKeyValueStore('s', 86_400_000).segmentIntervalMs).toBe(3_600_000)
    expect(Stores.persistentVersionedKeyValueStore('s', 1000, 500).segmentIntervalMs).toBe(500)
    const b = Stores.versionedKeyValueStoreBuilder(Stores.inMemoryVersionedKeyValueStore('s', 1000))
    expect(b.changelogTopicConfig()).toEqual({ 'cleanup.policy': 'compact', 'min.compaction.lag.ms': String(1000 + 86_400_000) })
    expect(b.withLoggingDisabled().loggingEnabled).toBe(false)
  })
})
