import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CONSUMER_PROTOCOL_TYPE,
  decodeConsumerAssignment,
  decodeConsumerSubscription,
  encodeConsumerAssignment,
  encodeConsumerSubscription,
  type ConsumerSubscription,
} from '../../../../src/protocol/consumer-protocol.js'
import { DecodeError, InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { hex, loadSpec, versionRange } from './admin-spec-support.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })
const topicPartitions = fc.array(fc.record({ topic: name, partitions: fc.array(fc.integer(), { maxLength: 3 }) }), { maxLength: 3 })
const userData = fc.option(fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)), { nil: null })

describe('consumer protocol subscription', () => {
  it('is protocol type "consumer" and covers the spec versions', () => {
    expect(CONSUMER_PROTOCOL_TYPE).toBe('consumer')
    for (const s of ['ConsumerProtocolSubscription', 'ConsumerProtocolAssignment']) {
      const spec = loadSpec(s)
      expect(versionRange(spec.validVersions)).toEqual({ min: 0, max: 3 })
      expect(spec.flexibleVersions).toBe('none')
    }
  })

  it('v0 golden bytes, as a Java consumer writes them', () => {
    const bytes = hex`
      0000                # version 0
      00000002            # topics: 2 (int32 count, never compact)
        0002 7431         #   "t1"
        0002 7432         #   "t2"
      ffffffff            # user_data null
    `
    expect(encodeConsumerSubscription({ topics: ['t1', 't2'], ownedPartitions: [{ topic: 't1', partitions: [0] }] }, 0)).toEqual(bytes)
    expect(decodeConsumerSubscription(bytes)).toEqual({
      version: 0,
      topics: ['t1', 't2'],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    })
  })

  it('v3 golden bytes (Java default: owned partitions, generation, rack)', () => {
    const sub: ConsumerSubscription = {
      topics: ['t1'],
      userData: Buffer.from([0xab, 0xcd]),
      ownedPartitions: [{ topic: 't1', partitions: [0, 2] }],
      generationId: 5,
      rackId: 'r1',
    }
    const bytes = hex`
      0003                # version 3
      00000001 0002 7431  # topics ["t1"]
      00000002 abcd       # user_data
      00000001            # owned_partitions: 1
        0002 7431         #   topic "t1"
        00000002 00000000 00000002  # partitions [0, 2]
      00000005            # generation_id 5
      0002 7231           # rack_id "r1"
    `
    expect(encodeConsumerSubscription(sub)).toEqual(bytes)
    expect(decodeConsumerSubscription(bytes)).toEqual({ version: 3, ...sub })
  })

  it('decodes a newer version with the newest known layout, ignoring appended fields', () => {
    const v3 = encodeConsumerSubscription({ topics: ['t1'], generationId: 7, rackId: 'r1' })
    const v4 = Buffer.concat([hex`0004`, v3.subarray(2), hex`00000001 0003 666f6f`])
    expect(decodeConsumerSubscription(v4)).toEqual({
      version: 4,
      topics: ['t1'],
      userData: null,
      ownedPartitions: [],
      generationId: 7,
      rackId: 'r1',
    })
  })

  it.each([0, 1, 2, 3])('round-trips v%i', (version) => {
    fc.assert(
      fc.property(
        fc.record({
          topics: fc.array(name, { maxLength: 4 }),
          userData,
          ownedPartitions: topicPartitions,
          generationId: fc.integer(),
          rackId: fc.option(name, { nil: null }),
        }),
        (sub) => {
          const decoded = decodeConsumerSubscription(encodeConsumerSubscription(sub, version))
          expect(decoded).toEqual({
            version,
            topics: sub.topics,
            userData: sub.userData,
            ownedPartitions: version >= 1 ? sub.ownedPartitions : [],
            generationId: version >= 2 ? sub.generationId : -1,
            rackId: version >= 3 ? sub.rackId : null,
          })
        },
      ),
      { numRuns: 100 },
    )
  })

  it('refuses unknown versions on encode and negative versions on decode', () => {
    expect(() => encodeConsumerSubscription({ topics: [] }, 4)).toThrow(InvalidArgumentError)
    expect(() => decodeConsumerSubscription(hex`ffff 00000000 ffffffff`)).toThrow(DecodeError)
  })
})

describe('consumer protocol assignment', () => {
  it('v0 golden bytes, as a Java leader writes them', () => {
    const bytes = hex`
      0000                          # version 0
      00000001                      # assigned_partitions: 1
        0002 7431                   #   topic "t1"
        00000002 00000000 00000001  #   partitions [0, 1]
      ffffffff                      # user_data null
    `
    expect(encodeConsumerAssignment({ assignedPartitions: [{ topic: 't1', partitions: [0, 1] }] }, 0)).toEqual(bytes)
    expect(decodeConsumerAssignment(bytes)).toEqual({ version: 0, assignedPartitions: [{ topic: 't1', partitions: [0, 1] }], userData: null })
  })

  it('v3 golden bytes: same layout, newer version header', () => {
    const bytes = hex`0003 00000000 00000001 ff`
    expect(encodeConsumerAssignment({ assignedPartitions: [], userData: Buffer.from([0xff]) })).toEqual(bytes)
    expect(decodeConsumerAssignment(bytes)).toEqual({ version: 3, assignedPartitions: [], userData: Buffer.from([0xff]) })
  })

  it('decodes a newer version, ignoring appended fields', () => {
    expect(decodeConsumerAssignment(hex`0009 00000000 ffffffff 0102030405`)).toEqual({ version: 9, assignedPartitions: [], userData: null })
  })

  it.each([0, 1, 2, 3])('round-trips v%i', (version) => {
    fc.assert(
      fc.property(fc.record({ assignedPartitions: topicPartitions, userData }), (a) => {
        expect(decodeConsumerAssignment(encodeConsumerAssignment(a, version))).toEqual({ version, ...a })
      }),
      { numRuns: 100 },
    )
  })

  it('an empty assignment buffer is a DecodeError', () => {
    expect(() => decodeConsumerAssignment(Buffer.alloc(0))).toThrow(DecodeError)
  })
})

describe('consumer protocol decoders on malformed bytes', () => {
  const onlyDecodeErrors = (decodeFn: (b: Uint8Array) => unknown, bytes: Uint8Array): void => {
    try {
      decodeFn(bytes)
    } catch (e) {
      if (!(e instanceof DecodeError)) throw new Error(`${String(e)} is not a DecodeError`, { cause: e })
    }
  }
  const seeds = [
    encodeConsumerSubscription({ topics: ['t1', 't2'], userData: Buffer.from([1]), ownedPartitions: [{ topic: 't1', partitions: [0] }], rackId: 'r' }),
    encodeConsumerAssignment({ assignedPartitions: [{ topic: 't1', partitions: [0, 1] }], userData: Buffer.from([2]) }),
  ]

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (b) => {
        onlyDecodeErrors(decodeConsumerSubscription, b)
        onlyDecodeErrors(decodeConsumerAssignment, b)
      }),
      { numRuns: 500 },
    )
  })

  it('truncated and bit-flipped valid data', () => {
    fc.assert(
      fc.property(fc.nat(1), fc.nat(), fc.array(fc.nat(), { maxLength: 4 }), (which, cut, flips) => {
        const bytes = seeds[which]
        const flipped = Buffer.from(bytes)
        for (const f of flips) flipped[f % flipped.length] ^= 1 << (f % 8)
        for (const b of [bytes.subarray(0, cut % (bytes.length + 1)), flipped]) {
          onlyDecodeErrors(decodeConsumerSubscription, b)
          onlyDecodeErrors(decodeConsumerAssignment, b)
        }
      }),
      { numRuns: 500 },
    )
  })
})
