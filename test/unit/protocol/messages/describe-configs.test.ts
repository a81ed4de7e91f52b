import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../../src/protocol/errors.js'
import { ConfigResourceType, DescribeConfigs } from '../../../../src/protocol/messages/describe-configs.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

const name = fc.string({ maxLength: 8, unit: 'binary' })

describe('DescribeConfigs request', () => {
  const request = {
    resources: [
      { resourceType: ConfigResourceType.TOPIC, resourceName: 'wal', configurationKeys: ['retention.ms'] },
      { resourceType: ConfigResourceType.BROKER, resourceName: '1', configurationKeys: null },
    ],
    includeSynonyms: true,
    includeDocumentation: true,
  }

  it('v2 (non-flexible) golden bytes: include_documentation is not on the wire', () => {
    expect(encode(DescribeConfigs, 2, request)).toEqual(hex`
      00000002                    # resources: 2
        02                        #   resource_type 2 (topic)
        0003 77616c               #   resource_name "wal"
        00000001                  #   configuration_keys: 1
          000c 726574656e74696f6e2e6d73  # "retention.ms"
        04                        #   resource_type 4 (broker)
        0001 31                   #   resource_name "1"
        ffffffff                  #   configuration_keys null (all)
      01                          # include_synonyms true
    `)
  })

  it('v3 (non-flexible) adds include_documentation', () => {
    const v2 = encode(DescribeConfigs, 2, request)
    expect(encode(DescribeConfigs, 3, request)).toEqual(Buffer.concat([v2, hex`01`]))
  })

  it('v4 (flexible) golden bytes', () => {
    const bytes = encode(DescribeConfigs, 4, {
      resources: [{ resourceType: ConfigResourceType.TOPIC, resourceName: 'wal', configurationKeys: null }],
      includeDocumentation: true,
    })
    expect(bytes).toEqual(hex`
      02              # resources: compact 1
        02            #   resource_type 2 (topic)
        04 77616c     #   resource_name "wal"
        00            #   configuration_keys null
        00            #   tagged fields
      00              # include_synonyms false (default)
      01              # include_documentation true
      00              # tagged fields
    `)
  })

  it('refuses v0 (removed in Kafka 4.0, different response shape)', () => {
    expect(() => encode(DescribeConfigs, 0, { resources: [] })).toThrow(InvalidArgumentError)
  })
})

describe('DescribeConfigs response', () => {
  it('decodes v1 (non-flexible)', () => {
    const res = decode(
      DescribeConfigs,
      1,
      hex`
        00000000                          # throttle_time_ms 0
        00000001                          # results: 1
          0000                            #   error_code 0
          ffff                            #   error_message null
          02                              #   resource_type 2
          0003 77616c                     #   resource_name "wal"
          00000001                        #   configs: 1
            000c 726574656e74696f6e2e6d73 #     name "retention.ms"
            0009 363034383030303030       #     value "604800000"
            00                            #     read_only false
            01                            #     config_source 1 (DYNAMIC_TOPIC_CONFIG)
            00                            #     is_sensitive false
            00000001                      #     synonyms: 1
              000c 726574656e74696f6e2e6d73  #   name "retention.ms"
              0009 363034383030303030     #       value "604800000"
              01                          #       source 1
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 0,
      results: [
        {
          errorCode: 0,
          errorMessage: null,
          resourceType: 2,
          resourceName: 'wal',
          configs: [
            {
              name: 'retention.ms',
              value: '604800000',
              readOnly: false,
              configSource: 1,
              isSensitive: false,
              synonyms: [{ name: 'retention.ms', value: '604800000', source: 1 }],
              configType: 0,
              documentation: null,
            },
          ],
        },
      ],
    })
  })

  it('decodes v4 (flexible)', () => {
    const res = decode(
      DescribeConfigs,
      4,
      hex`
        00000000                      # throttle_time_ms 0
        02                            # results: compact 1
          0000                        #   error_code 0
          00                          #   error_message null
          02                          #   resource_type 2
          04 77616c                   #   resource_name "wal"
          02                          #   configs: compact 1
            0d 726574656e74696f6e2e6d73  # name "retention.ms"
            00                        #     value null
            01                        #     read_only true
            05                        #     config_source 5 (DEFAULT_CONFIG)
            01                        #     is_sensitive true
            01                        #     synonyms: compact 0
            05                        #     config_type 5 (LONG)
            05 646f6373               #     documentation "docs"
            01 00 01 ff               #     tagged fields: unknown tag 0
          00                          #   tagged fields
        00                            # tagged fields
      `,
    )
    expect(res).toEqual({
      throttleTimeMs: 0,
      results: [
        {
          errorCode: 0,
          errorMessage: null,
          resourceType: 2,
          resourceName: 'wal',
          configs: [
            {
              name: 'retention.ms',
              value: null,
              readOnly: true,
              configSource: 5,
              isSensitive: true,
              synonyms: [],
              configType: 5,
              documentation: 'docs',
            },
          ],
        },
      ],
    })
  })
})

specAndFuzzSuites(DescribeConfigs, {
  spec: 'DescribeConfigs',
  request: () =>
    fc.record({
      resources: fc.array(
        fc.record({
          resourceType: fc.integer({ min: -128, max: 127 }),
          resourceName: name,
          configurationKeys: fc.option(fc.array(name, { maxLength: 3 }), { nil: null }),
        }),
        { maxLength: 3 },
      ),
      includeSynonyms: fc.boolean(),
      includeDocumentation: fc.boolean(),
    }),
})
