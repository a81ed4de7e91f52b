import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { OffsetDelete } from '../../../../src/protocol/messages/offset-delete.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })

// OffsetDelete has a single, non-flexible version: there is no flexible encoding to pin.
describe('OffsetDelete', () => {
  it('v0 request golden bytes', () => {
    expect(encode(OffsetDelete, 0, { groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] })).toEqual(hex`
      0001 67           # group_id "g"
      00000001          # topics: 1
        0001 74         #   name "t"
        00000001        #   partitions: 1
          00000000      #     partition_index 0
    `)
  })

  it('decodes a v0 response', () => {
    const res = decode(
      OffsetDelete,
      0,
      hex`
        0000            # error_code
        00000000        # throttle_time_ms
        00000001        # topics: 1
          0001 74       #   name "t"
          00000001      #   partitions: 1
            00000000    #     partition_index
            0056        #     error_code 86 (GROUP_SUBSCRIBED_TO_TOPIC)
      `,
    )
    expect(res).toEqual({ errorCode: 0, throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 86 }] }] })
  })
})

specAndFuzzSuites(OffsetDelete, {
  spec: 'OffsetDelete',
  request: () =>
    fc.record({
      groupId: name,
      topics: fc.array(fc.record({ name, partitions: fc.array(fc.record({ partitionIndex: fc.integer() }), { maxLength: 3 }) }), { maxLength: 3 }),
    }),
})
