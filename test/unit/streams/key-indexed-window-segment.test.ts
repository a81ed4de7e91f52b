// The key-indexed window segment (the in-memory segment of stream-stream join stores) against the
// plain ordered in-memory store it replaces there: the same answers to every read after any mix
// of writes (out of time order, overwrites, deletes), including keys that extend other keys,
// bytes above 0x7f and ranges across keys; and the join stores using it.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import type { KeyValue } from '../../../src/streams/record.js'
import { InMemoryKeyValueStore } from '../../../src/streams/state/in-memory.js'
import { isKeyIndexed, KeyIndexedWindowSegment } from '../../../src/streams/state/key-indexed-window-segment.js'
import { inMemoryWindowStore } from '../../../src/streams/state/window-store-suppliers.js'
import { windowStoreKey, windowStoreKeyStart, WINDOW_SUFFIX_SIZE } from '../../../src/streams/state/window-key-schema.js'

const KEYS = ['a', 'ab', 'b', '\u00ff', '\u00ff\u0000', ''].map((k) => Buffer.from(k, 'latin1'))

type Op =
  | { kind: 'put'; key: number; start: number; seq: number; value: string | null }
  | { kind: 'delete'; key: number; start: number; seq: number }
  | { kind: 'range'; from: [number, number, number]; to: [number, number, number] }

const storeKey = (k: number, start: number, seq: number): Buffer => windowStoreKey(KEYS[k], start, seq)
const keyArb = fc.integer({ min: 0, max: KEYS.length - 1 })
const startArb = fc.oneof(fc.integer({ min: 0, max: 6 }).map((x) => x * 1000), fc.constant(2 ** 40 + 255))
const seqArb = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(0x7fffffff), fc.constant(0x80))
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('put' as const), key: keyArb, start: startArb, seq: seqArb, value: fc.option(fc.string({ maxLength: 3 }), { freq: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: keyArb, start: startArb, seq: seqArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('range' as const), from: fc.tuple(keyArb, startArb, seqArb), to: fc.tuple(keyArb, startArb, seqArb) }) },
)

const dump = (it: Iterable<KeyValue<Buffer, Buffer>>): string[] => [...it].map((e) => `${e.key.toString('hex')}=${e.value.toString()}`)

describe('KeyIndexedWindowSegment', () => {
  it('answers every read as the ordered in-memory store does, after any writes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const model = new InMemoryKeyValueStore('model')
        const seg = new KeyIndexedWindowSegment('seg')
        for (const op of ops) {
          if (op.kind === 'put') {
            const k = storeKey(op.key, op.start, op.seq)
            const v = op.value === null ? null : Buffer.from(op.value)
            model.put(k, v)
            seg.put(k, v)
          } else if (op.kind === 'delete') {
            const k = storeKey(op.key, op.start, op.seq)
            expect(seg.delete(k)?.toString()).toBe(model.delete(k)?.toString())
          } else {
            const from = storeKey(...op.from)
            const to = storeKey(...op.to)
            expect(dump(seg.range(from, to))).toEqual(dump(model.range(from, to)))
          }
        }
        expect(dump(seg.all())).toEqual(dump(model.all()))
        expect(seg.approximateNumEntries()).toBe(model.approximateNumEntries())
        for (let k = 0; k < KEYS.length; k++) {
          // Single-key fetches: the model's key-prefixed range, keeping that key's own entries.
          const length = KEYS[k].length + WINDOW_SUFFIX_SIZE
          const expected = [...model.range(storeKey(k, 1000, 0), storeKey(k, 2 ** 41, 0x7fffffff))]
            .filter((e) => e.key.length === length)
            .map((e) => `${windowStoreKeyStart(e.key)}=${e.value.toString()}`)
          const starts: number[] = []
          const values: Buffer[] = []
          seg.fetchKeyInto(KEYS[k].toString('latin1'), 1000, 2 ** 41, starts, values)
          expect(starts.map((start, i) => `${start}=${values[i].toString()}`)).toEqual(expected)
          for (const start of [0, 1000, 2 ** 40 + 255]) {
            for (const seq of [0, 1, 0x7fffffff]) {
              const key = storeKey(k, start, seq)
              expect(seg.get(key)?.toString() ?? null).toBe(model.get(key)?.toString() ?? null)
            }
          }
        }
      }),
      { numRuns: 300 },
    )
  })

  it('writes during a scan show in it as they do in the ordered store', () => {
    const scan = (store: InMemoryKeyValueStore | KeyIndexedWindowSegment): string[] => {
      for (const start of [1000, 2000, 3000]) store.put(storeKey(0, start, 0), Buffer.from(String(start)))
      const seen: string[] = []
      for (const e of store.range(storeKey(0, 0, 0), storeKey(0, 9000, 0))) {
        seen.push(e.value.toString())
        store.put(storeKey(0, 1500, 0), Buffer.from('late'))
        store.put(storeKey(0, 3000, 0), null)
      }
      return [...seen, '|', ...dump(store.all()).map((x) => x.split('=')[1])]
    }
    expect(scan(new KeyIndexedWindowSegment('seg'))).toEqual(scan(new InMemoryKeyValueStore('model')))
  })

  it('refuses a key too short to be a window store key (typed error)', () => {
    const seg = new KeyIndexedWindowSegment('seg')
    expect(() => seg.put(Buffer.from('short'), Buffer.from('v'))).toThrow(InvalidArgumentError)
  })

  it('backs in-memory window stores that retain duplicates (stream-stream joins); others keep the ordered store', () => {
    const dups = inMemoryWindowStore('j', 60_000, 10_000, true).get()
    const plain = inMemoryWindowStore('w', 60_000, 10_000, false).get()
    try {
      for (const s of [dups, plain]) for (const t of [1000, 1000, 5000, 40_000]) s.put(Buffer.from('k'), Buffer.from(`v${t}`), t)
      const segments = (s: object): unknown[] => (s as unknown as { segments: { all(): unknown[] } }).segments.all()
      expect(segments(dups).every((g) => isKeyIndexed(g as never))).toBe(true)
      expect(segments(plain).some((g) => isKeyIndexed(g as never))).toBe(false)
      const fetched = [...dups.fetch(Buffer.from('k'), 0, 50_000)].map((e) => `${e.key}=${e.value.toString()}`)
      expect(fetched).toEqual(['1000=v1000', '1000=v1000', '5000=v5000', '40000=v40000'])
      expect([...plain.fetch(Buffer.from('k'), 0, 50_000)].map((e) => `${e.key}=${e.value.toString()}`)).toEqual(['1000=v1000', '5000=v5000', '40000=v40000'])
    } finally {
      dups.close()
      plain.close()
    }
  })
})
