// The join's allocation-light read of a window store (fetchInto) against the iterator fetch it
// replaces: through the typed and logging layers, over key-indexed in-memory segments and LMDB
// segments, after random puts with duplicates, out-of-order starts, keys that extend other keys
// and expired segments, it gives the same windows in the same order.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Serdes } from '../../../src/streams/serde.js'
import { LoggingWindowBytesStore } from '../../../src/streams/state/logging-window.js'
import { SerdeWindowStore } from '../../../src/streams/state/typed-window.js'
import { inMemoryWindowStore, persistentWindowStore } from '../../../src/streams/state/window-store-suppliers.js'
import type { WindowBytesStore } from '../../../src/streams/state/window-store.js'

const KEYS = ['a', 'a\u0000', 'ab', 'b', '\u00ff']
const RETENTION = 60_000

type Put = { key: number; start: number; value: string }
type Query = { key: number; from: number; span: number }

const putArb: fc.Arbitrary<Put> = fc.record({
  key: fc.integer({ min: 0, max: KEYS.length - 1 }),
  // Few distinct starts (duplicates), over several segments, often out of order.
  start: fc.integer({ min: 0, max: 40 }).map((x) => x * 5_000),
  value: fc.string({ maxLength: 3 }),
})
const queryArb: fc.Arbitrary<Query> = fc.record({
  key: fc.integer({ min: 0, max: KEYS.length - 1 }),
  from: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 220_000 })),
  span: fc.integer({ min: -1_000, max: 150_000 }),
})

/** A bytes store without fetchInto (as a user-supplied one): its iterator fetch is the fallback. */
function withoutFetchInto(bytes: WindowBytesStore): WindowBytesStore {
  return new Proxy(bytes, {
    get(target, prop) {
      if (prop === 'fetchInto') return undefined
      const v: unknown = Reflect.get(target, prop)
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
    },
  })
}

const suppliers = {
  'in-memory (key-indexed segments)': () => inMemoryWindowStore('join-other', RETENTION, 10_000, true).get(),
  'persistent (LMDB segments)': () => persistentWindowStore('join-other', RETENTION, 10_000, true).get(),
}

describe('SerdeWindowStore.fetchInto', () => {
  for (const [name, make] of Object.entries(suppliers)) {
    for (const fallback of [false, true]) {
      it(`gives what fetch(key, from, to) gives: ${name}${fallback ? ', inner store without fetchInto' : ''}`, () => {
        fc.assert(
          fc.property(fc.array(putArb, { maxLength: 40 }), fc.array(queryArb, { minLength: 1, maxLength: 8 }), (puts, queries) => {
            const inner = make()
            try {
              const sink = { logChange: (): void => {} }
              const logged = new LoggingWindowBytesStore(fallback ? withoutFetchInto(inner) : inner, sink, { currentRecordTimestamp: () => 0 }, false)
              const store = new SerdeWindowStore(logged, Serdes.string(), Serdes.string(), 'changelog')
              for (const p of puts) store.put(KEYS[p.key], p.value, p.start)
              for (const q of queries) {
                const to = q.from + q.span
                const expected = [...store.fetch(KEYS[q.key], q.from, to)].map((e) => `${e.key}=${e.value}`)
                const starts: number[] = [7]
                const values: string[] = ['kept']
                store.fetchInto(KEYS[q.key], q.from, to, starts, values)
                // Appended after what the arrays held.
                expect(starts.length).toBe(values.length)
                expect(starts.slice(1).map((s, i) => `${s}=${values[i + 1]}`)).toEqual(expected)
                expect([starts[0], values[0]]).toEqual([7, 'kept'])
              }
            } finally {
              inner.close()
            }
          }),
          { numRuns: name.startsWith('persistent') ? 40 : 300 },
        )
      })
    }
  }

  for (const [name, make] of Object.entries(suppliers)) {
    it(`finds duplicates in insertion order and skips longer keys that start with the key: ${name}`, () => {
      const inner = make()
      try {
        const store = new SerdeWindowStore(inner, Serdes.string(), Serdes.string(), 'changelog')
        store.put('ab', 'x', 1_000)
        // Its store key falls within the byte range of key 'a' from 0 to 5000.
        store.put('a\u0000', 'y', 1_000)
        store.put('a', 'second-at-2000', 2_000)
        store.put('a', 'at-1000', 1_000)
        store.put('a', 'third-at-2000', 2_000)
        const starts: number[] = []
        const values: string[] = []
        store.fetchInto('a', 0, 5_000, starts, values)
        expect(starts).toEqual([1_000, 2_000, 2_000])
        expect(values).toEqual(['at-1000', 'second-at-2000', 'third-at-2000'])
      } finally {
        inner.close()
      }
    })
  }
})
