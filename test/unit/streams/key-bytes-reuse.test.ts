import { describe, expect, it } from 'vitest'
import { Serdes, type Serde } from '../../../src/streams/serde.js'
import { SerdeWindowStore } from '../../../src/streams/state/typed-window.js'
import { inMemoryWindowStore } from '../../../src/streams/state/window-store-suppliers.js'
import { WindowedSerdes } from '../../../src/streams/windowed-serdes.js'

// The window store and the time-windowed serde reuse the bytes of the last text or number key:
// keys that are equal by `===` but serialize differently (0 and -0) and topic-dependent serdes
// must still get their own bytes.
describe('reused key bytes', () => {
  const byTopic: Serde<string> = {
    serialize: (topic, k) => Buffer.from(`${topic}:${k}`),
    deserialize: (_topic, b) => (b as Buffer).toString(),
  }

  it('time-windowed serde: 0 and -0, and the same key under two topics, serialize apart', () => {
    const serde = WindowedSerdes.timeWindowedSerdeFrom(Serdes.double(), 10)
    const zero = serde.serialize('t', { key: 0, window: { start: 5, end: 15 } }) as Buffer
    const negZero = serde.serialize('t', { key: -0, window: { start: 5, end: 15 } }) as Buffer
    expect(zero.equals(negZero)).toBe(false)
    expect(Object.is(serde.deserialize('t', negZero).key, -0)).toBe(true)

    const text = WindowedSerdes.timeWindowedSerdeFrom(byTopic, 10)
    const a = text.serialize('a', { key: 'k', window: { start: 0, end: 10 } }) as Buffer
    const b = text.serialize('b', { key: 'k', window: { start: 0, end: 10 } }) as Buffer
    expect(a.subarray(0, a.length - 8).toString()).toBe('a:k')
    expect(b.subarray(0, b.length - 8).toString()).toBe('b:k')
  })

  it('window store: 0 and -0 are different keys, and repeated keys read what was written', () => {
    const store = new SerdeWindowStore(inMemoryWindowStore('w', 1000, 10, false).get(), Serdes.double(), Serdes.string(), 'w-changelog')
    store.put(0, 'zero', 0)
    store.put(-0, 'negative zero', 0)
    store.put(-0, 'negative zero again', 10)
    expect(store.fetch(0, 0)).toBe('zero')
    expect(store.fetch(-0, 0)).toBe('negative zero')
    expect(store.fetch(-0, 10)).toBe('negative zero again')
    expect(store.fetch(0, 10)).toBe(null)
  })
})
