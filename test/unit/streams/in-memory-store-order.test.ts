import { describe, expect, it } from 'vitest'
import { InMemoryKeyValueStore } from '../../../src/streams/state/in-memory.js'

const b = (s: string): Buffer => Buffer.from(s, 'latin1')
const keys = (it: Iterable<{ key: Buffer }>): string[] => [...it].map((e) => e.key.toString('latin1'))

// A full scan before any range scan sorts a snapshot without keeping an order; writes after it
// and the order built later by a range scan must still be right.
describe('in-memory store order across full and range scans', () => {
  it('full scans before and after writes, then range scans kept up to date', () => {
    const s = new InMemoryKeyValueStore('m')
    s.put(b('c'), b('1'))
    s.put(b('\xff'), b('2'))
    s.put(b('a'), b('3'))
    expect(keys(s.all())).toEqual(['a', 'c', '\xff'])
    s.put(b('b'), b('4'))
    s.delete(b('c'))
    expect(keys(s.all())).toEqual(['a', 'b', '\xff'])
    expect(keys(s.range(b('a'), b('b')))).toEqual(['a', 'b'])
    s.put(b('ab'), b('5'))
    s.put(b('\xff'), null)
    expect(keys(s.range(b('a'), b('z')))).toEqual(['a', 'ab', 'b'])
    expect(keys(s.all())).toEqual(['a', 'ab', 'b'])
  })
})
