/**
 * The window and session store contracts, shared by every engine (in-memory, LMDB): call
 * {@link windowStoreContract} / {@link sessionStoreContract} inside a describe block with a
 * factory of fresh bytes stores. The tests go through the typed stores with string serdes.
 */
import { expect, it } from 'vitest'
import { Serdes } from '../../../src/streams/serde.js'
import type { SessionBytesStore } from '../../../src/streams/state/session-store.js'
import { SerdeSessionStore } from '../../../src/streams/state/typed-session.js'
import { SerdeWindowStore } from '../../../src/streams/state/typed-window.js'
import { windowStoreKey, sessionStoreKey } from '../../../src/streams/state/window-key-schema.js'
import type { WindowBytesStore } from '../../../src/streams/state/window-store.js'
import type { KeyValue } from '../../../src/streams/record.js'
import type { Windowed } from '../../../src/streams/windowed.js'

/** Parameters of a window store the contract asks for. */
export interface WindowParams {
  retentionPeriod: number
  windowSize: number
  retainDuplicates: boolean
}

type Segmented = { segmentIds(): readonly number[] }

const s = Serdes.string()
const w = (e: KeyValue<Windowed<string>, string>): string => `${e.key.key}@${e.key.window.start}-${e.key.window.end}=${e.value}`
const t = (e: KeyValue<number, string>): string => `${e.key}=${e.value}`

/** Registers the window store contract tests. `create` returns an empty, open store; the test closes it. */
export function windowStoreContract(create: (p: WindowParams) => WindowBytesStore): void {
  function withStore(p: Partial<WindowParams>, fn: (store: SerdeWindowStore<string, string>, bytes: WindowBytesStore) => void): void {
    const bytes = create({ retentionPeriod: 60_000, windowSize: 1000, retainDuplicates: false, ...p })
    try {
      fn(new SerdeWindowStore(bytes, s, s, 'store-changelog'), bytes)
    } finally {
      bytes.close()
    }
  }

  it('puts, fetches one window, overwrites, and deletes with null', () => {
    withStore({}, (st) => {
      expect(st.fetch('a', 1000)).toBeNull()
      st.put('a', 'x', 1000)
      st.put('a', 'y', 2000)
      expect(st.fetch('a', 1000)).toBe('x')
      st.put('a', 'x2', 1000)
      expect(st.fetch('a', 1000)).toBe('x2')
      st.put('a', null, 1000)
      expect(st.fetch('a', 1000)).toBeNull()
      expect(st.fetch('a', 2000)).toBe('y')
    })
  })

  it('fetch(key, from, to): inclusive bounds, by start time, only that key; backward reverses', () => {
    withStore({}, (st) => {
      for (const start of [3000, 1000, 5000, 2000]) st.put('a', `a${start}`, start)
      st.put('aa', 'other', 2000) // extends 'a': must not show up in a's fetch
      st.put('b', 'b2000', 2000)
      expect([...st.fetch('a', 1000, 3000)].map(t)).toEqual(['1000=a1000', '2000=a2000', '3000=a3000'])
      expect([...st.fetch('a', 1001, 2999)].map(t)).toEqual(['2000=a2000'])
      expect([...st.backwardFetch('a', 0, 10_000)].map(t)).toEqual(['5000=a5000', '3000=a3000', '2000=a2000', '1000=a1000'])
      expect([...st.fetch('a', 3000, 1000)]).toEqual([])
      expect([...st.fetch('a', -Infinity, Infinity)].length).toBe(4) // open bounds
      expect([...st.fetchAll(0, Infinity)].length).toBe(6)
      expect(() => st.fetch('a', 0, Number.NaN)).toThrow(/time bounds must be numbers/)
      expect([...st.fetch('zz', 0, 10_000)]).toEqual([])
    })
  })

  it('key ranges: by key bytes then start, null bounds unbounded, windows end at start + size', () => {
    withStore({}, (st) => {
      st.put('b', 'b1', 1000)
      st.put('a', 'a2', 2000)
      st.put('c', 'c1', 1000)
      st.put('a', 'a1', 1000)
      st.put('b', 'b3', 3000)
      expect([...st.fetch('a', 'b', 0, 10_000)].map(w)).toEqual(['a@1000-2000=a1', 'a@2000-3000=a2', 'b@1000-2000=b1', 'b@3000-4000=b3'])
      expect([...st.fetch('a', 'b', 2000, 3000)].map(w)).toEqual(['a@2000-3000=a2', 'b@3000-4000=b3'])
      expect([...st.fetch(null, 'a', 0, 10_000)].map(w)).toEqual(['a@1000-2000=a1', 'a@2000-3000=a2'])
      expect([...st.fetch('b', null, 0, 1000)].map(w)).toEqual(['b@1000-2000=b1', 'c@1000-2000=c1'])
      expect([...st.backwardFetch('a', 'b', 0, 10_000)].map(w)).toEqual(['b@3000-4000=b3', 'b@1000-2000=b1', 'a@2000-3000=a2', 'a@1000-2000=a1'])
      expect([...st.fetch('b', 'a', 0, 10_000)]).toEqual([])
      expect([...st.all()].map(w)).toEqual(['a@1000-2000=a1', 'a@2000-3000=a2', 'b@1000-2000=b1', 'b@3000-4000=b3', 'c@1000-2000=c1'])
      expect([...st.backwardAll()].map(w)).toEqual(['c@1000-2000=c1', 'b@3000-4000=b3', 'b@1000-2000=b1', 'a@2000-3000=a2', 'a@1000-2000=a1'])
      expect([...st.fetchAll(1000, 1000)].map(w)).toEqual(['a@1000-2000=a1', 'b@1000-2000=b1', 'c@1000-2000=c1'])
      expect([...st.backwardFetchAll(2000, 3000)].map(w)).toEqual(['b@3000-4000=b3', 'a@2000-3000=a2'])
    })
  })

  it('orders across segments by key, then time (windows of one key in several segments)', () => {
    withStore({ retentionPeriod: 600_000 }, (st, bytes) => {
      // Segment interval 300 s: these starts fall into three segments.
      st.put('b', 'b0', 1000)
      st.put('a', 'a2', 600_000)
      st.put('a', 'a0', 1000)
      st.put('b', 'b1', 300_000)
      st.put('a', 'a1', 300_000)
      expect((bytes as unknown as Segmented).segmentIds()).toEqual([0, 1, 2])
      expect([...st.all()].map((e) => e.value)).toEqual(['a0', 'a1', 'a2', 'b0', 'b1'])
      expect([...st.fetch('a', 0, 600_000)].map(t)).toEqual(['1000=a0', '300000=a1', '600000=a2'])
    })
  })

  it('expires windows at or before stream time - retention and drops their segments', () => {
    withStore({ retentionPeriod: 120_000, windowSize: 1000 }, (st, bytes) => {
      // Segment interval 60 s.
      st.put('a', 'w0', 0)
      st.put('a', 'w60', 60_000)
      st.put('a', 'w119', 119_000)
      expect(bytes.observedStreamTime()).toBe(119_000)
      expect([...st.fetch('a', 0, 200_000)].map((e) => e.value)).toEqual(['w0', 'w60', 'w119'])
      st.put('b', 'w120', 120_000) // stream time 120 s: window 0 (<= 120 s - 120 s) expires
      expect(st.fetch('a', 0)).toBeNull()
      expect([...st.fetch('a', 0, 200_000)].map((e) => e.value)).toEqual(['w60', 'w119'])
      expect([...st.all()].map((e) => e.value)).toEqual(['w60', 'w119', 'w120'])
      st.put('a', 'late', 0) // expired: dropped
      expect(st.fetch('a', 0)).toBeNull()
      st.put('b', 'w300', 300_000)
      // Only windows after 180 s remain, and only the segments that can hold them.
      expect([...st.all()].map((e) => e.value)).toEqual(['w300'])
      expect((bytes as unknown as Segmented).segmentIds()).toEqual([5])
    })
  })

  it('a scan in progress finishes when a put expires the segment it reads', () => {
    withStore({ retentionPeriod: 60_000 }, (st, bytes) => {
      for (let i = 0; i < 20; i++) st.put(`k${String(i).padStart(2, '0')}`, 'v', 1000)
      bytes.flush()
      const it = st.fetchAll(0, 1_000_000)
      expect(it.next().value?.key.key).toBe('k00')
      st.put('z', 'v', 500_000) // stream time 500 s: the segment being read expires
      expect([...it].length).toBe(19)
      expect([...st.fetchAll(0, 1_000_000)].map((e) => e.key.key)).toEqual(['z'])
      bytes.flush()
      expect((bytes as unknown as Segmented).segmentIds()).toEqual([8])
    })
  })

  it('retainDuplicates keeps every put, in order; a null put is a no-op', () => {
    withStore({ retainDuplicates: true }, (st) => {
      st.put('a', 'first', 1000)
      st.put('a', 'second', 1000)
      st.put('a', null, 1000)
      st.put('a', 'third', 2000)
      expect([...st.fetch('a', 0, 5000)].map(t)).toEqual(['1000=first', '1000=second', '2000=third'])
      expect([...st.all()].map(w)).toEqual(['a@1000-2000=first', 'a@1000-2000=second', 'a@2000-3000=third'])
      expect(st.fetch('a', 1000)).toBe('first')
    })
  })

  it('putStoreKey writes Kafka Streams store keys (the restore path); clear empties the store', () => {
    withStore({}, (st, bytes) => {
      bytes.putStoreKey(windowStoreKey(Buffer.from('k'), 5000, 0), Buffer.from('v'))
      bytes.putStoreKey(windowStoreKey(Buffer.from('k'), 6000, 0), Buffer.from('w'))
      bytes.putStoreKey(windowStoreKey(Buffer.from('k'), 6000, 0), null)
      expect([...st.all()].map(w)).toEqual(['k@5000-6000=v'])
      expect(bytes.observedStreamTime()).toBe(6000)
      bytes.clear()
      expect([...st.all()]).toEqual([])
    })
  })

  it('rejects negative window starts', () => {
    withStore({}, (st) => {
      expect(() => st.put('a', 'x', -1)).toThrow(/windowStart must be a non-negative integer/)
    })
  })
}

/** Registers the session store contract tests. */
export function sessionStoreContract(create: (retentionPeriod: number) => SessionBytesStore): void {
  function withStore(retention: number, fn: (store: SerdeSessionStore<string, string>, bytes: SessionBytesStore) => void): void {
    const bytes = create(retention)
    try {
      fn(new SerdeSessionStore(bytes, s, s, 'store-changelog'), bytes)
    } finally {
      bytes.close()
    }
  }
  const sess = (key: string, start: number, end: number): Windowed<string> => ({ key, window: { start, end } })
  const e = (x: KeyValue<Windowed<string>, string>): string => `${x.key.key}[${x.key.window.start},${x.key.window.end}]=${x.value}`

  it('puts, fetches exactly one session, removes (also with a null aggregate)', () => {
    withStore(60_000, (st) => {
      st.put(sess('a', 0, 10), 'x')
      expect(st.fetchSession('a', 0, 10)).toBe('x')
      expect(st.fetchSession('a', 0, 11)).toBeNull()
      st.put(sess('a', 0, 10), 'y')
      expect(st.fetchSession('a', 0, 10)).toBe('y')
      st.remove(sess('a', 0, 10))
      expect(st.fetchSession('a', 0, 10)).toBeNull()
      st.put(sess('a', 5, 5), 'z')
      st.put(sess('a', 5, 5), null)
      expect([...st.fetch('a')]).toEqual([])
    })
  })

  it('findSessions: end >= earliestSessionEndTime and start <= latestSessionStartTime, both inclusive, by end', () => {
    withStore(60_000, (st) => {
      st.put(sess('a', 40, 50), 's3')
      st.put(sess('a', 0, 10), 's1')
      st.put(sess('a', 20, 30), 's2')
      st.put(sess('ab', 20, 30), 'other') // extends 'a'
      expect([...st.findSessions('a', 30, 40)].map(e)).toEqual(['a[20,30]=s2', 'a[40,50]=s3'])
      expect([...st.findSessions('a', 31, 39)].map(e)).toEqual([])
      expect([...st.findSessions('a', -Infinity, Infinity)].length).toBe(3)
      expect([...st.findSessions('a', 0, 100)].map(e)).toEqual(['a[0,10]=s1', 'a[20,30]=s2', 'a[40,50]=s3'])
      expect([...st.backwardFindSessions('a', 0, 100)].map(e)).toEqual(['a[40,50]=s3', 'a[20,30]=s2', 'a[0,10]=s1'])
      expect([...st.fetch('a')].map(e)).toEqual(['a[0,10]=s1', 'a[20,30]=s2', 'a[40,50]=s3'])
      expect([...st.backwardFetch('a')].map((x) => x.value)).toEqual(['s3', 's2', 's1'])
    })
  })

  it('key ranges: by key bytes, then end, then start; null bounds unbounded', () => {
    withStore(60_000, (st) => {
      st.put(sess('b', 0, 10), 'b1')
      st.put(sess('a', 5, 20), 'a2')
      st.put(sess('a', 0, 20), 'a1')
      st.put(sess('c', 0, 0), 'c1')
      expect([...st.findSessions('a', 'b', 0, 100)].map((x) => x.value)).toEqual(['a1', 'a2', 'b1'])
      expect([...st.findSessions(null, null, 15, 100)].map((x) => x.value)).toEqual(['a1', 'a2'])
      expect([...st.fetch('b', null)].map((x) => x.value)).toEqual(['b1', 'c1'])
      expect([...st.backwardFetch(null, 'b')].map((x) => x.value)).toEqual(['b1', 'a2', 'a1'])
      expect([...st.fetch('c', 'a')]).toEqual([])
    })
  })

  it('expires sessions whose end is at or before stream time - retention; drops segments', () => {
    withStore(60_000, (st, bytes) => {
      st.put(sess('a', 0, 1000), 'old')
      st.put(sess('a', 30_000, 40_000), 'mid')
      st.put(sess('b', 60_000, 61_000), 'new') // stream time 61 s: end 1000 expires
      expect(bytes.observedStreamTime()).toBe(61_000)
      expect([...st.fetch('a')].map((x) => x.value)).toEqual(['mid'])
      expect(st.fetchSession('a', 0, 1000)).toBeNull()
      st.put(sess('a', 0, 1000), 'late') // dropped
      expect(st.fetchSession('a', 0, 1000)).toBeNull()
      st.put(sess('b', 500_000, 500_000), 'far')
      expect([...st.findSessions(null, null, 0, Number.MAX_SAFE_INTEGER)].map((x) => x.value)).toEqual(['far'])
      expect((bytes as unknown as Segmented).segmentIds()).toEqual([8])
    })
  })

  it('putStoreKey writes Kafka Streams session keys (the restore path)', () => {
    withStore(60_000, (st, bytes) => {
      bytes.putStoreKey(sessionStoreKey(Buffer.from('k'), 100, 200), Buffer.from('v'))
      expect([...st.fetch('k')].map(e)).toEqual(['k[100,200]=v'])
      bytes.putStoreKey(sessionStoreKey(Buffer.from('k'), 100, 200), null)
      expect([...st.fetch('k')]).toEqual([])
    })
  })
}
