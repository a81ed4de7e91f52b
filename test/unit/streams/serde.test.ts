import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InMemoryKeyValueStore, SerializationError, Serdes, type Serde } from '../../../src/streams/index.js'

function roundTrip<T>(serde: Serde<T>, value: T): T {
  return serde.deserialize('t', serde.serialize('t', value))
}

describe('serdes', () => {
  it('round-trip (property)', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => roundTrip(Serdes.string(), s) === s))
    fc.assert(fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (n) => roundTrip(Serdes.int32(), n) === n))
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => roundTrip(Serdes.int64(), n) === n))
    fc.assert(fc.property(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), (n) => roundTrip(Serdes.bigint64(), n) === n))
    fc.assert(fc.property(fc.double(), (n) => Object.is(roundTrip(Serdes.double(), n), n)))
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(roundTrip(Serdes.json<unknown>(), v)).toEqual(v === null ? null : JSON.parse(JSON.stringify(v)))
      }),
    )
    fc.assert(fc.property(fc.uint8Array(), (a) => roundTrip(Serdes.bytes(), Buffer.from(a)).equals(Buffer.from(a))))
  })

  it('int64 matches the bigint64 (Java LongSerde) bytes and refuses values beyond 2^53', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => Serdes.int64().serialize('t', n)!.equals(Serdes.bigint64().serialize('t', BigInt(n))!)),
    )
    expect(Serdes.int64().serialize('t', -1)).toEqual(Buffer.from('ffffffffffffffff', 'hex'))
    expect(Serdes.int64().serialize('t', 2 ** 53 - 1)).toEqual(Buffer.from('001fffffffffffff', 'hex'))
    expect(() => Serdes.int64().serialize('t', 2 ** 53)).toThrow(/use Serdes.bigint64/)
    expect(() => Serdes.int64().serialize('t', 1.5)).toThrow(SerializationError)
    expect(() => Serdes.int64().deserialize('t', Buffer.from('0020000000000000', 'hex'))).toThrow(/9007199254740992 is beyond 2\^53/)
    expect(() => Serdes.int64().deserialize('t', Buffer.from('ffe0000000000000', 'hex'))).toThrow(SerializationError)
    expect(Serdes.int64().deserialize('t', Buffer.from('ffe0000000000001', 'hex'))).toBe(-(2 ** 53) + 1)
    expect(() => Serdes.bigint64().serialize('t', 1n << 63n)).toThrow(SerializationError)
  })

  it('null is a tombstone for every serde; wrong sizes and bad input are SerializationErrors', () => {
    for (const s of [Serdes.string(), Serdes.json(), Serdes.bytes(), Serdes.int32(), Serdes.int64(), Serdes.bigint64(), Serdes.double()] as Array<Serde<unknown>>) {
      expect(s.serialize('t', null)).toBeNull()
      expect(s.deserialize('t', null)).toBeNull()
    }
    expect(() => Serdes.int32().deserialize('t', Buffer.alloc(3))).toThrow(/not 4/)
    expect(() => Serdes.int64().deserialize('t', Buffer.alloc(4))).toThrow(/not 8/)
    expect(() => Serdes.int32().serialize('t', 2 ** 31)).toThrow(SerializationError)
    expect(() => Serdes.json().deserialize('t', Buffer.from('{'))).toThrow(SerializationError)
    expect(() => Serdes.json().serialize('t', () => 1)).toThrow(SerializationError)
    expect(() => Serdes.string().serialize('t', 5 as unknown as string)).toThrow(SerializationError)
  })

  it('the text paths of the string and JSON serdes agree with their byte paths', () => {
    for (const serde of [Serdes.string(), Serdes.json<unknown>()] as Array<Serde<unknown>>) {
      expect(serde.serializeText).toBeTypeOf('function')
      expect(serde.deserializeText).toBeTypeOf('function')
      expect(serde.serializeText!('t', null)).toBeNull()
      expect(serde.deserializeText!('t', null)).toBeNull()
    }
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const str = Serdes.string()
        expect(Buffer.from(str.serializeText!('t', s)!)).toEqual(str.serialize('t', s))
        expect(str.deserializeText!('t', s)).toBe(str.deserialize('t', Buffer.from(s)))
      }),
    )
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const json = Serdes.json<unknown>()
        const text = json.serializeText!('t', v)
        expect(text === null ? null : Buffer.from(text)).toEqual(json.serialize('t', v))
        if (text !== null) expect(json.deserializeText!('t', text)).toEqual(json.deserialize('t', Buffer.from(text)))
      }),
    )
    expect(() => Serdes.json().deserializeText!('t', '{')).toThrow(SerializationError)
    expect(() => Serdes.string().serializeText!('t', 5 as unknown as string)).toThrow(SerializationError)
  })

  it('user serdes via Serdes.from never see null', () => {
    const upper = Serdes.from<string>(
      (v) => Buffer.from(v.toUpperCase()),
      (b) => b.toString().toLowerCase(),
    )
    expect(roundTrip(upper, 'Hi')).toBe('hi')
    expect(upper.serialize('t', null as unknown as string)).toBeNull()
  })
})

describe('InMemoryKeyValueStore', () => {
  it('range and all follow unsigned byte order, inclusive (property, against a sorted model)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 4 }), fc.option(fc.uint8Array({ maxLength: 2 }), { nil: null })), { maxLength: 40 }),
        fc.uint8Array({ maxLength: 4 }),
        fc.uint8Array({ maxLength: 4 }),
        (ops, a, b) => {
          const store = new InMemoryKeyValueStore('s')
          const model = new Map<string, Buffer>()
          for (const [k, v] of ops) {
            const key = Buffer.from(k)
            store.put(key, v === null ? null : Buffer.from(v))
            if (v === null) model.delete(key.toString('hex'))
            else model.set(key.toString('hex'), Buffer.from(v))
          }
          const from = Buffer.from(a)
          const to = Buffer.from(b)
          const expected = [...model.keys()]
            .map((h) => Buffer.from(h, 'hex'))
            .filter((k) => Buffer.compare(k, from) >= 0 && Buffer.compare(k, to) <= 0)
            .sort(Buffer.compare)
            .map((k) => k.toString('hex'))
          expect([...store.range(from, to)].map((e) => e.key.toString('hex'))).toEqual(expected)
          expect([...store.all()].length).toBe(model.size)
          expect(store.approximateNumEntries()).toBe(model.size)
        },
      ),
    )
  })
})
