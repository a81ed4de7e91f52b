import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import { Serdes } from '../../../src/streams/serde.js'
import { InMemoryKeyValueStore } from '../../../src/streams/state/in-memory.js'
import { LmdbKeyValueStore, storeDirectory } from '../../../src/streams/state/lmdb.js'
import { Stores } from '../../../src/streams/state/stores.js'
import { SerdeWindowStore } from '../../../src/streams/state/typed-window.js'
import {
  inMemorySessionStore,
  inMemoryWindowStore,
  persistentSessionStore,
  persistentWindowStore,
} from '../../../src/streams/state/window-store-suppliers.js'
import { sessionStoreContract, windowStoreContract } from './window-store-contract.js'

const root = mkdtempSync(join(tmpdir(), 'peridot-window-test-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0

describe('window store contract: in-memory', () => {
  windowStoreContract((p) => inMemoryWindowStore('w', p.retentionPeriod, p.windowSize, p.retainDuplicates).get())
})

describe('window store contract: LMDB', () => {
  windowStoreContract((p) => persistentWindowStore('w', p.retentionPeriod, p.windowSize, p.retainDuplicates).get())
})

describe('window store contract: LMDB with a tiny write buffer', () => {
  windowStoreContract((p) => persistentWindowStore('w', p.retentionPeriod, p.windowSize, p.retainDuplicates, { maxBufferedEntries: 2 }).get())
})

describe('session store contract: in-memory', () => {
  sessionStoreContract((retention) => inMemorySessionStore('s', retention).get())
})

describe('session store contract: LMDB', () => {
  sessionStoreContract((retention) => persistentSessionStore('s', retention, { maxBufferedEntries: 2 }).get())
})

describe('time-ordered expiry (Kafka Streams\' stores behind onWindowClose)', () => {
  const b = (x: string) => Buffer.from(x)
  for (const engine of ['in-memory', 'LMDB'] as const) {
    it(`window store: a window starting at streamTime - retention is still live (${engine})`, () => {
      const make = (timeOrdered: boolean) =>
        engine === 'in-memory' ? inMemoryWindowStore('w', 10_000, 10_000, false, { timeOrdered }).get() : persistentWindowStore('w', 10_000, 10_000, false, { timeOrdered }).get()
      for (const timeOrdered of [true, false]) {
        const st = make(timeOrdered)
        st.put(b('a'), b('0'), 0)
        st.put(b('b'), b('1'), 10_000) // stream time 10 s, retention 10 s
        expect([...st.fetchAll(0, 0)].map((e) => e.key.key.toString()), `timeOrdered=${timeOrdered}`).toEqual(timeOrdered ? ['a'] : [])
        expect(st.fetch(b('a'), 0)?.toString() ?? null).toBe(timeOrdered ? '0' : null)
        st.put(b('a'), b('late'), 0) // written only by the time-ordered store
        expect(st.fetch(b('a'), 0)?.toString() ?? null).toBe(timeOrdered ? 'late' : null)
        st.put(b('c'), b('2'), 10_001)
        expect(st.fetch(b('a'), 0)).toBeNull()
        st.close()
      }
    })

    it(`session store: a session is live while its segment is (${engine})`, () => {
      const make = (timeOrdered: boolean) =>
        engine === 'in-memory' ? inMemorySessionStore('s', 60_000, { timeOrdered }).get() : persistentSessionStore('s', 60_000, { timeOrdered }).get()
      for (const timeOrdered of [true, false]) {
        const st = make(timeOrdered)
        const sess = (key: string, start: number, end: number) => ({ key: b(key), window: { start, end } })
        st.put(sess('a', 0, 1000), b('x'))
        st.put(sess('b', 61_500, 61_500), b('y')) // streamTime - retention = 1.5 s: segment 0 still live
        expect([...st.findSessions(null, null, 0, 100_000)].map((e) => e.key.key.toString()), `timeOrdered=${timeOrdered}`).toEqual(timeOrdered ? ['a', 'b'] : ['b'])
        st.put(sess('c', 121_000, 121_000), b('z')) // 61 s: segment 0 expired
        expect([...st.findSessions(null, null, 0, 200_000)].map((e) => e.key.key.toString())).toEqual(['b', 'c'])
        st.close()
      }
    })
  }
})

describe('persistent window and session stores', () => {
  it('keep windows and stream time across close and reopen, and delete expired segment directories', () => {
    const stateDir = join(root, `state${n++}`)
    const context = { applicationId: 'app', taskId: '0_0', stateDir }
    const supplier = persistentWindowStore('counts', 120_000, 1000, false)
    const s = Serdes.string()
    const open = () => new SerdeWindowStore(supplier.get(context), s, s, 't')
    const st1 = open()
    st1.put('a', 'x', 0)
    st1.put('a', 'y', 61_000)
    st1.flush()
    st1.put('b', 'z', 119_000) // buffered: close writes it
    st1.close()
    const dir = storeDirectory(stateDir, '0_0', 'counts')
    expect(readdirSync(dir).sort()).toEqual(['segment-0', 'segment-60000'])
    const st2 = open()
    expect(st2.bytes.observedStreamTime()).toBe(119_000)
    expect([...st2.all()].map((e) => `${e.key.key}@${e.key.window.start}=${e.value}`)).toEqual(['a@0=x', 'a@61000=y', 'b@119000=z'])
    st2.put('a', 'w', 200_000) // stream time 200 s: segment 0 (0-60 s) expires, deleted at the next flush
    expect([...st2.fetch('a', 0, 0)]).toEqual([])
    expect(existsSync(join(dir, 'segment-0'))).toBe(true)
    st2.flush()
    expect(existsSync(join(dir, 'segment-0'))).toBe(false)
    expect(readdirSync(dir).sort()).toEqual(['segment-180000', 'segment-60000'])
    expect([...st2.all()].map((e) => e.value)).toEqual(['w', 'z'])
    st2.close()
  })

  it('a persistent session store reopens with its sessions', () => {
    const stateDir = join(root, `state${n++}`)
    const context = { applicationId: 'app', taskId: '1_2', stateDir }
    const supplier = persistentSessionStore('sessions', 60_000)
    const a = supplier.get(context)
    a.put({ key: Buffer.from('k'), window: { start: 10, end: 20 } }, Buffer.from('v'))
    a.close()
    const b = supplier.get(context)
    expect([...b.fetch(Buffer.from('k'))].map((e) => [e.key.window.start, e.key.window.end, e.value.toString()])).toEqual([[10, 20, 'v']])
    expect(b.observedStreamTime()).toBe(20)
    b.close()
  })

  it('temporary stores (no state directory) remove their directory on close', () => {
    // A name of its own: other test runs may create and remove temporary stores in the same tmpdir.
    const name = `tmp-close-${process.pid}-${Date.now().toString(36)}`
    const mine = (): string[] => readdirSync(tmpdir()).filter((d) => d.startsWith(`peridot-store-${name}-`))
    const store = persistentWindowStore(name, 60_000, 1000, false).get()
    store.put(Buffer.from('a'), Buffer.from('1'), 0)
    store.flush()
    expect(mine()).toHaveLength(1)
    store.close()
    expect(mine()).toEqual([])
  })
})

describe('in-memory key-value store kept sorted after the first scan', () => {
  it('a scan in progress is not disturbed by inserts and deletes; later scans see them', () => {
    const store = new InMemoryKeyValueStore('m')
    const b = (x: string) => Buffer.from(x)
    for (const k of ['b', 'd', 'f']) store.put(b(k), b(k))
    const it = store.range(b('a'), b('z'))
    expect(it.next().value?.key.toString()).toBe('b')
    store.put(b('c'), b('c')) // inserted into the sorted list in place
    store.put(b('e'), b('e'))
    store.delete(b('f'))
    expect([...it].map((e) => e.key.toString())).toEqual(['d']) // f deleted, c/e not in the snapshot
    expect([...store.range(b('a'), b('z'))].map((e) => e.key.toString())).toEqual(['b', 'c', 'd', 'e'])
    store.put(b('a'), b('a'))
    store.put(b('c'), null)
    expect([...store.all()].map((e) => e.key.toString())).toEqual(['a', 'b', 'd', 'e'])
  })
})

describe('LMDB store directories', () => {
  it('a store whose name (directory) has a dot opens as a directory', () => {
    const store = new LmdbKeyValueStore('my.store', { path: join(root, `my.store${n++}`) }, true)
    store.put(Buffer.from('k'), Buffer.from('v'))
    store.flush()
    expect(store.get(Buffer.from('k'))?.toString()).toBe('v')
    store.close()
  })
})

describe('Stores: window and session store arguments (Kafka Streams checks)', () => {
  it('rejects a window size above the retention period, negative values and non-integers', () => {
    expect(() => Stores.inMemoryWindowStore('w', 1000, 2000, false)).toThrow(InvalidArgumentError)
    expect(() => Stores.inMemoryWindowStore('w', 1000, 2000, false)).toThrow(/retention period of a window store must be no smaller than its window size \(windowSize=2000, retentionPeriod=1000\)/)
    expect(() => Stores.persistentWindowStore('w', -1, 0, false)).toThrow(/retentionPeriod must be a non-negative integer/)
    expect(() => Stores.inMemoryWindowStore('w', 1000, -5, false)).toThrow(/windowSize must be a non-negative integer/)
    expect(() => Stores.inMemoryWindowStore('w', 1.5, 1, false)).toThrow(InvalidArgumentError)
    expect(() => Stores.inMemorySessionStore('s', -1)).toThrow(/retentionPeriod must be a non-negative integer/)
    expect(() => Stores.persistentSessionStore('', 1000)).toThrow(/store name must be a non-empty string/)
    expect(() => Stores.persistentWindowStore('w', 1000, 10, false, { segmentInterval: 0 })).toThrow(/segmentInterval must be a positive integer/)
  })

  it('uses Kafka Streams\' default segment interval: half the retention, at least one minute', () => {
    expect(Stores.inMemoryWindowStore('w', 10_000, 1000, false).segmentInterval).toBe(60_000)
    expect(Stores.persistentWindowStore('w', 3_600_000, 1000, false).segmentInterval).toBe(1_800_000)
    expect(Stores.inMemorySessionStore('s', 500_000).segmentInterval).toBe(250_000)
  })
})
