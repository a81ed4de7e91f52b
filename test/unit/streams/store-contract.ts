/**
 * The BytesStore contract, shared by every engine (in-memory, LMDB): call
 * {@link bytesStoreContract} inside a describe block with a factory of fresh stores.
 */
import fc from 'fast-check'
import { expect, it } from 'vitest'
import type { BytesStore } from '../../../src/streams/state/store.js'

const b = (s: string): Buffer => Buffer.from(s, 'latin1')
const keysOf = (it: Iterable<{ key: Buffer }>): string[] => [...it].map((e) => e.key.toString('hex'))

/** Registers the contract tests. `create` returns an empty, open store; the test closes it. */
export function bytesStoreContract(create: () => BytesStore): void {
  function withStore(fn: (s: BytesStore) => void): void {
    const s = create()
    try {
      fn(s)
    } finally {
      s.close()
    }
  }

  it('get/put/delete and null-value deletes', () => {
    withStore((s) => {
      expect(s.get(b('a'))).toBeNull()
      s.put(b('a'), b('1'))
      expect(s.get(b('a'))?.toString()).toBe('1')
      s.put(b('a'), b('2'))
      expect(s.get(b('a'))?.toString()).toBe('2')
      expect(s.delete(b('a'))?.toString()).toBe('2')
      expect(s.get(b('a'))).toBeNull()
      expect(s.delete(b('a'))).toBeNull()
      s.put(b('b'), b('x'))
      s.put(b('b'), null)
      expect(s.get(b('b'))).toBeNull()
      expect([...s.all()]).toEqual([])
    })
  })

  it('putIfAbsent returns the existing value and does not overwrite', () => {
    withStore((s) => {
      expect(s.putIfAbsent(b('k'), b('v1'))).toBeNull()
      expect(s.putIfAbsent(b('k'), b('v2'))?.toString()).toBe('v1')
      expect(s.get(b('k'))?.toString()).toBe('v1')
    })
  })

  it('putAll applies puts and deletes in order', () => {
    withStore((s) => {
      s.putAll([
        { key: b('a'), value: b('1') },
        { key: b('b'), value: b('2') },
        { key: b('a'), value: null },
        { key: b('c'), value: b('3') },
      ])
      expect(keysOf(s.all())).toEqual([b('b'), b('c')].map((k) => k.toString('hex')))
    })
  })

  it('orders keys by unsigned bytes (0xff after 0x7f, prefixes first) and the empty key first', () => {
    withStore((s) => {
      const keys = [Buffer.from([0xff]), Buffer.from([0x7f]), Buffer.from([0x01, 0x00]), Buffer.from([0x01]), Buffer.from([0x80, 0x00]), Buffer.alloc(0)]
      for (const k of keys) s.put(k, Buffer.from('v'))
      expect(keysOf(s.all())).toEqual(['', '01', '0100', '7f', '8000', 'ff'])
      expect(s.get(Buffer.alloc(0))?.toString()).toBe('v')
    })
  })

  it('range is inclusive at both ends, empty when from > to', () => {
    withStore((s) => {
      for (const k of ['a', 'b', 'c', 'd', 'e']) s.put(b(k), b(k.toUpperCase()))
      expect([...s.range(b('b'), b('d'))].map((e) => `${e.key}=${e.value}`)).toEqual(['b=B', 'c=C', 'd=D'])
      expect(keysOf(s.range(b('bb'), b('cc')))).toEqual([b('c').toString('hex')])
      expect([...s.range(b('d'), b('b'))]).toEqual([])
      expect(keysOf(s.range(Buffer.alloc(0), b('a')))).toEqual([b('a').toString('hex')])
      expect(keysOf(s.range(b('e'), Buffer.from([0xff, 0xff])))).toEqual([b('e').toString('hex')])
    })
  })

  it('approximateNumEntries counts entries once they are in the store', () => {
    withStore((s) => {
      for (let i = 0; i < 100; i++) s.put(b(`k${i}`), b('v'))
      s.flush()
      expect(s.approximateNumEntries()).toBe(100)
    })
  })

  it('matches a sorted-Map model under random put/delete/putIfAbsent/flush sequences', () => {
    const key = fc.uint8Array({ minLength: 0, maxLength: 4, max: 255 }).map((u) => Buffer.from(u))
    const value = fc.option(fc.uint8Array({ maxLength: 8 }).map((u) => Buffer.from(u)), { freq: 5 })
    const op = fc.oneof(
      fc.record({ op: fc.constant('put' as const), key, value }),
      fc.record({ op: fc.constant('delete' as const), key }),
      fc.record({ op: fc.constant('putIfAbsent' as const), key, value }),
      fc.record({ op: fc.constant('flush' as const) }),
      fc.record({ op: fc.constant('range' as const), from: key, to: key }),
    )
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const s = create()
        const model = new Map<string, Buffer>()
        const sortedModelKeys = (): Buffer[] => [...model.keys()].map((k) => Buffer.from(k, 'hex')).sort(Buffer.compare)
        try {
          for (const o of ops) {
            if (o.op === 'put') {
              s.put(o.key, o.value)
              if (o.value === null) model.delete(o.key.toString('hex'))
              else model.set(o.key.toString('hex'), o.value)
            } else if (o.op === 'delete') {
              const prev = model.get(o.key.toString('hex')) ?? null
              expect(s.delete(o.key)).toEqual(prev)
              model.delete(o.key.toString('hex'))
            } else if (o.op === 'putIfAbsent') {
              const prev = model.get(o.key.toString('hex')) ?? null
              expect(s.putIfAbsent(o.key, o.value)).toEqual(prev)
              if (prev === null && o.value !== null) model.set(o.key.toString('hex'), o.value)
            } else if (o.op === 'flush') s.flush()
            else {
              const expected = sortedModelKeys().filter((k) => Buffer.compare(k, o.from) >= 0 && Buffer.compare(k, o.to) <= 0)
              expect(keysOf(s.range(o.from, o.to))).toEqual(expected.map((k) => k.toString('hex')))
            }
          }
          const all = [...s.all()]
          expect(all.map((e) => e.key.toString('hex'))).toEqual(sortedModelKeys().map((k) => k.toString('hex')))
          for (const e of all) expect(e.value).toEqual(model.get(e.key.toString('hex')))
        } finally {
          s.close()
        }
      }),
      { numRuns: 150 },
    )
  })
}
