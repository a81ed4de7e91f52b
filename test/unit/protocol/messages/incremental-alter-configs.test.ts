import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigResourceType } from '../../../../src/protocol/messages/describe-configs.js'
import { AlterConfigOp, IncrementalAlterConfigs } from '../../../../src/protocol/messages/incremental-alter-configs.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const request = {
  resources: [
    {
      resourceType: ConfigResourceType.TOPIC,
      resourceName: 'wal',
      configs: [
        { name: 'retention.ms', configOperation: AlterConfigOp.SET, value: '1000' },
        { name: 'x', configOperation: AlterConfigOp.DELETE, value: null },
      ],
    },
  ],
  validateOnly: true,
}

describe('IncrementalAlterConfigs', () => {
  it('v0 (non-flexible) request golden bytes', () => {
    expect(encode(IncrementalAlterConfigs, 0, request)).toEqual(hex`
      00000001                      # resources: 1
        02                          #   resource_type TOPIC
        0003 77616c                 #   resource_name "wal"
        00000002                    #   configs: 2
          000c 726574656e74696f6e2e6d73  # name "retention.ms"
          00                        #     config_operation SET
          0004 31303030             #     value "1000"
          0001 78                   #     name "x"
          01                        #     config_operation DELETE
          ffff                      #     value null
      01                            # validate_only
    `)
  })

  it('v1 (flexible) request golden bytes', () => {
    expect(
      encode(IncrementalAlterConfigs, 1, {
        resources: [{ resourceType: 4, resourceName: '1', configs: [{ name: 'x', configOperation: AlterConfigOp.APPEND, value: 'v' }] }],
      }),
    ).toEqual(hex`
      02                  # resources: compact 1
        04 02 31          #   resource_type BROKER, resource_name "1"
        02                #   configs: compact 1
          02 78 02 02 76  #     name "x", APPEND, value "v"
          00              #     tagged fields
        00                #   tagged fields
      00                  # validate_only false (default)
      00                  # tagged fields
    `)
  })

  it('decodes v0 and v1 responses', () => {
    const expected = {
      throttleTimeMs: 0,
      responses: [{ errorCode: 40, errorMessage: 'bad', resourceType: 2, resourceName: 'wal' }],
    }
    expect(decode(IncrementalAlterConfigs, 0, hex`00000000 00000001 0028 0003 626164 02 0003 77616c`)).toEqual(expected)
    expect(decode(IncrementalAlterConfigs, 1, hex`00000000 02 0028 04 626164 02 04 77616c 00 00`)).toEqual(expected)
  })
})

const str = fc.string({ maxLength: 8, unit: 'binary' })

specAndFuzzSuites(IncrementalAlterConfigs, {
  spec: 'IncrementalAlterConfigs',
  request: () =>
    fc.record({
      resources: fc.array(
        fc.record({
          resourceType: fc.integer({ min: -128, max: 127 }),
          resourceName: str,
          configs: fc.array(
            fc.record({ name: str, configOperation: fc.integer({ min: -128, max: 127 }), value: fc.option(str, { nil: null }) }),
            { maxLength: 3 },
          ),
        }),
        { maxLength: 3 },
      ),
      validateOnly: fc.boolean(),
    }),
})
