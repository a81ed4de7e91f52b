import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { CoordinatorKeyType, FindCoordinator } from '../../../../src/protocol/messages/find-coordinator.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })

describe('FindCoordinator request', () => {
  it('v2 (non-flexible) golden bytes: single key then key type', () => {
    expect(encode(FindCoordinator, 2, { keys: ['g1'], keyType: CoordinatorKeyType.TRANSACTION })).toEqual(hex`
      0002 6731       # key "g1"
      01              # key_type 1 (transaction)
    `)
  })

  it('v3 (flexible, single key) golden bytes', () => {
    expect(encode(FindCoordinator, 3, { keys: ['g1'] })).toEqual(hex`
      03 6731         # key "g1"
      00              # key_type 0 (group, the default)
      00              # tagged fields
    `)
  })

  it('v4 (flexible, batched) golden bytes', () => {
    expect(encode(FindCoordinator, 4, { keys: ['g1', 'g2'] })).toEqual(hex`
      00              # key_type 0
      03              # coordinator_keys: compact 2
        03 6731       #   "g1"
        03 6732       #   "g2"
      00              # tagged fields
    `)
  })

  it('refuses several keys before v4, share keys before v6, and v0', () => {
    expect(() => encode(FindCoordinator, 3, { keys: ['a', 'b'] })).toThrow(InvalidArgumentError)
    expect(() => encode(FindCoordinator, 3, { keys: [] })).toThrow(InvalidArgumentError)
    expect(() => encode(FindCoordinator, 5, { keys: ['a'], keyType: CoordinatorKeyType.SHARE })).toThrow(InvalidArgumentError)
    expect(() => encode(FindCoordinator, 0, { keys: ['a'] })).toThrow(InvalidArgumentError)
  })
})

describe('FindCoordinator response', () => {
  it('decodes v2 (non-flexible) into both the single-key fields and one coordinator', () => {
    const res = decode(
      FindCoordinator,
      2,
      hex`
        00000000                   # throttle_time_ms
        0000                       # error_code
        ffff                       # error_message null
        00000001                   # node_id 1
        0009 6c6f63616c686f7374    # host "localhost"
        00002384                   # port 9092
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      nodeId: 1,
      host: 'localhost',
      port: 9092,
      coordinators: [{ key: '', nodeId: 1, host: 'localhost', port: 9092, errorCode: 0, errorMessage: null }],
    })
  })

  it('decodes v4 (flexible, batched), skipping unknown tags', () => {
    const res = decode(
      FindCoordinator,
      4,
      hex`
        00000064                   # throttle_time_ms 100
        03                         # coordinators: compact 2
          03 6731                  #   key "g1"
          00000001                 #   node_id 1
          0a 6c6f63616c686f7374    #   host "localhost"
          00002384                 #   port 9092
          0000                     #   error_code 0
          00                       #   error_message null
          01 07 02 abcd            #   tagged fields: unknown tag 7, 2 bytes
          03 6732                  #   key "g2"
          ffffffff                 #   node_id -1
          01                       #   host ""
          ffffffff                 #   port -1
          000f                     #   error_code 15 (COORDINATOR_NOT_AVAILABLE)
          02 78                    #   error_message "x"
          00                       #   tagged fields
        00                         # tagged fields
      `,
    )
    expect(res.throttleTimeMs).toBe(100)
    expect(res.coordinators).toEqual([
      { key: 'g1', nodeId: 1, host: 'localhost', port: 9092, errorCode: 0, errorMessage: null },
      { key: 'g2', nodeId: -1, host: '', port: -1, errorCode: 15, errorMessage: 'x' },
    ])
    expect(res.errorCode).toBe(0)
  })
})

specAndFuzzSuites(FindCoordinator, {
  spec: 'FindCoordinator',
  request: (version) =>
    fc.record({
      keyType: fc.constantFrom(...(version >= 6 ? [0, 1, 2] : [0, 1])),
      keys: version >= 4 ? fc.array(name, { maxLength: 3 }) : fc.tuple(name).map((t) => [...t]),
    }),
  expectedRequest: (req, version) =>
    version >= 4 ? { keyType: req.keyType, coordinatorKeys: req.keys } : { key: req.keys[0], keyType: req.keyType },
})
