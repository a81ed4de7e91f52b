import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SortedStrings } from '../../../src/streams/state/sorted-strings.js'

describe('SortedStrings', () => {
  it('matches a sorted array under random inserts, deletes and range reads (thousands of keys: chunks split and empty)', () => {
    const key = fc.integer({ min: 0, max: 3000 }).map((n) => `k${n.toString(36)}`)
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.record({ op: fc.constant('insert' as const), key }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('range' as const), lo: key, hi: key }) },
    )
    fc.assert(
      fc.property(fc.array(key, { maxLength: 1500 }), fc.array(op, { minLength: 500, maxLength: 4000 }), (initial, ops) => {
        const model = new Set(initial)
        const s = SortedStrings.fromSorted([...model].sort())
        for (const o of ops) {
          if (o.op === 'insert') {
            expect(s.insert(o.key)).toBe(!model.has(o.key))
            model.add(o.key)
          } else if (o.op === 'delete') {
            expect(s.delete(o.key)).toBe(model.has(o.key))
            model.delete(o.key)
          } else {
            expect(s.range(o.lo, o.hi)).toEqual([...model].filter((k) => k >= o.lo && k <= o.hi).sort())
          }
        }
        expect(s.size).toBe(model.size)
        expect(s.all()).toEqual([...model].sort())
      }),
      { numRuns: 25 },
    )
  })

  it('grows past many chunks and shrinks back to nothing', () => {
    const s = new SortedStrings()
    const keys = Array.from({ length: 5000 }, (_, i) => `k${String((i * 7919) % 5000).padStart(4, '0')}`)
    for (const k of keys) s.insert(k)
    expect(s.all()).toEqual([...keys].sort())
    expect(s.range('k1000', 'k1002')).toEqual(['k1000', 'k1001', 'k1002'])
    for (const k of [...keys].sort()) expect(s.delete(k)).toBe(true)
    expect(s.size).toBe(0)
    expect(s.all()).toEqual([])
    expect(s.insert('x')).toBe(true)
    expect(s.all()).toEqual(['x'])
  })

  it('ranges: empty when lo > hi or past the end, inclusive bounds', () => {
    const s = new SortedStrings()
    expect(s.range('a', 'z')).toEqual([])
    expect(s.delete('a')).toBe(false)
    for (const k of ['b', 'd', 'f']) s.insert(k)
    expect(s.range('b', 'd')).toEqual(['b', 'd'])
    expect(s.range('c', 'c')).toEqual([])
    expect(s.range('g', 'z')).toEqual([])
    expect(s.range('d', 'b')).toEqual([])
  })
})
