import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DecodeError, InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { AddPartitionsToTxn, type AddPartitionsToTxnRequest } from '../../../../src/protocol/messages/add-partitions-to-txn.js'
import { Reader } from '../../../../src/protocol/primitives/reader.js'
import {
  type MessageSpec,
  type SpecField,
  decode,
  encode,
  hex,
  loadSpec,
  parseMessage,
  prng,
  randomMessage,
  versionRange,
  versionsOf,
} from './admin-spec-support.js'

const request: AddPartitionsToTxnRequest = {
  transactionalId: 'tx',
  producerId: 1n,
  producerEpoch: 2,
  topics: [{ name: 't', partitions: [0, 1] }],
}

describe('AddPartitionsToTxn request (client form, v0-3)', () => {
  it('v2 (non-flexible) golden bytes', () => {
    expect(encode(AddPartitionsToTxn, 2, request)).toEqual(hex`
      0002 7478            # v3_and_below_transactional_id "tx"
      0000000000000001     # producer_id 1
      0002                 # producer_epoch 2
      00000001             # topics: 1
        0001 74            #   name "t"
        00000002 00000000 00000001  # partitions [0, 1]
    `)
  })

  it('v3 (flexible) golden bytes', () => {
    expect(encode(AddPartitionsToTxn, 3, request)).toEqual(hex`
      03 7478 0000000000000001 0002
      02 02 74 03 00000000 00000001 00   # topics: compact 1, "t", [0, 1], tagged fields
      00                                 # tagged fields
    `)
  })

  it('refuses v4+, the broker-to-broker batched form', () => {
    expect(AddPartitionsToTxn.maxVersion).toBe(3)
    expect(() => encode(AddPartitionsToTxn, 4, request)).toThrow(InvalidArgumentError)
  })
})

describe('AddPartitionsToTxn response', () => {
  const expected = {
    throttleTimeMs: 0,
    results: [{ name: 't', resultsByPartition: [{ partitionIndex: 1, partitionErrorCode: 53 }] }],
  }

  it('decodes v0 (non-flexible)', () => {
    expect(decode(AddPartitionsToTxn, 0, hex`00000000 00000001 0001 74 00000001 00000001 0035`)).toEqual(expected)
  })

  it('decodes v3 (flexible)', () => {
    expect(decode(AddPartitionsToTxn, 3, hex`00000000 02 02 74 02 00000001 0035 00 00 00`)).toEqual(expected)
  })
})

/*
 * The shared generator reads inline `fields` only, and this spec declares its structs in
 * `commonStructs`: inline them, then drive the same randomMessage/parseMessage with it.
 */
function inlineCommonStructs(name: string): MessageSpec {
  const spec = loadSpec(name) as MessageSpec & { commonStructs?: { name: string; fields: SpecField[] }[] }
  const structs = new Map((spec.commonStructs ?? []).map((s) => [s.name, s.fields]))
  const resolve = (fields: SpecField[]): SpecField[] =>
    fields.map((f) => {
      const struct = f.type.startsWith('[]') ? structs.get(f.type.slice(2)) : undefined
      const inner = f.fields ?? struct
      return inner ? { ...f, fields: resolve(inner) } : f
    })
  return { ...spec, fields: resolve(spec.fields) }
}

const requestSpec = inlineCommonStructs('AddPartitionsToTxnRequest')
const responseSpec = inlineCommonStructs('AddPartitionsToTxnResponse')
const versions = versionsOf(AddPartitionsToTxn)
const str = fc.string({ maxLength: 8, unit: 'binary' })

describe('AddPartitionsToTxn against the Kafka JSON spec', () => {
  it('matches api key, version range and first flexible version', () => {
    for (const spec of [requestSpec, responseSpec]) {
      expect(spec.apiKey).toBe(AddPartitionsToTxn.apiKey)
      expect(AddPartitionsToTxn.minVersion).toBeGreaterThanOrEqual(versionRange(spec.validVersions)!.min)
      expect(AddPartitionsToTxn.maxVersion).toBeLessThanOrEqual(versionRange(spec.validVersions)!.max)
      expect(AddPartitionsToTxn.firstFlexibleVersion).toBe(versionRange(spec.flexibleVersions)!.min)
    }
  })

  it.each(versions)('decodes spec-generated responses at v%i', (version) => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const { bytes, value } = randomMessage(responseSpec, version, prng(seed))
        const res = decode(AddPartitionsToTxn, version, bytes)
        expect({ throttleTimeMs: res.throttleTimeMs, resultsByTopicV3AndBelow: res.results }).toMatchObject(value)
      }),
      { numRuns: 150 },
    )
  })

  it.each(versions)('encodes requests the spec parses back at v%i', (version) => {
    const arb = fc.record({
      transactionalId: str,
      producerId: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      producerEpoch: fc.integer({ min: -32768, max: 32767 }),
      topics: fc.array(fc.record({ name: str, partitions: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 3 }) }), {
        maxLength: 3,
      }),
    })
    fc.assert(
      fc.property(arb, (req) => {
        expect(parseMessage(requestSpec, version, encode(AddPartitionsToTxn, version, req))).toEqual({
          v3AndBelowTransactionalId: req.transactionalId,
          v3AndBelowProducerId: req.producerId,
          v3AndBelowProducerEpoch: req.producerEpoch,
          v3AndBelowTopics: req.topics,
        })
      }),
      { numRuns: 150 },
    )
  })
})

describe('AddPartitionsToTxn decoder on malformed bytes', () => {
  const onlyDecodeErrors = (version: number, bytes: Buffer): void => {
    try {
      AddPartitionsToTxn.decodeResponse(new Reader(bytes), version)
    } catch (e) {
      if (!(e instanceof DecodeError)) throw new Error(`v${version}: ${String(e)} is not a DecodeError`, { cause: e })
    }
  }

  it.each(versions)('random bytes at v%i', (version) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (b) => onlyDecodeErrors(version, Buffer.from(b))),
      { numRuns: 300 },
    )
  })

  it.each(versions)('truncated and bit-flipped valid responses at v%i', (version) => {
    fc.assert(
      fc.property(fc.integer(), fc.nat(), fc.array(fc.nat(), { maxLength: 4 }), (seed, cut, flips) => {
        const { bytes } = randomMessage(responseSpec, version, prng(seed))
        onlyDecodeErrors(version, bytes.subarray(0, cut % (bytes.length + 1)))
        const flipped = Buffer.from(bytes)
        for (const f of flips) flipped[f % flipped.length] ^= 1 << (f % 8)
        onlyDecodeErrors(version, flipped)
      }),
      { numRuns: 300 },
    )
  })
})
