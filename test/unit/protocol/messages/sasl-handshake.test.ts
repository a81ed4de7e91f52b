import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SaslHandshake } from '../../../../src/protocol/messages/sasl-handshake.js'
import { decode, encode, hex, specAndFuzzSuites } from './admin-spec-support.js'

describe('SaslHandshake', () => {
  it('is never flexible', () => {
    expect(SaslHandshake.firstFlexibleVersion).toBe(Number.POSITIVE_INFINITY)
  })

  it('v1 request golden bytes', () => {
    expect(encode(SaslHandshake, 1, { mechanism: 'PLAIN' })).toEqual(hex`0005 504c41494e`)
  })

  it('decodes a v1 response listing the enabled mechanisms', () => {
    expect(
      decode(
        SaslHandshake,
        1,
        hex`
          0021                          # error_code 33 (UNSUPPORTED_SASL_MECHANISM)
          00000002                      # mechanisms: 2
            0005 504c41494e             #   "PLAIN"
            000d 534352414d2d5348412d323536  # "SCRAM-SHA-256"
        `,
      ),
    ).toEqual({ errorCode: 33, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] })
  })
})

specAndFuzzSuites(SaslHandshake, {
  spec: 'SaslHandshake',
  request: () => fc.record({ mechanism: fc.string({ maxLength: 16, unit: 'binary' }) }),
})
