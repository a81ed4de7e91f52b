// OAUTHBEARER client messages (RFC 7628 as Kafka speaks it) and reading the server's error challenge.
import { describe, expect, it } from 'vitest'
import { SaslError } from '../../../../src/protocol/sasl/errors.js'
import { OAUTHBEARER_ERROR_ACK, oauthBearerInitialResponse, oauthBearerServerError } from '../../../../src/protocol/sasl/oauthbearer.js'

describe('oauthBearerInitialResponse', () => {
  it('is the GS2 header, the bearer token and the extensions, each ended by %x01, then a final %x01', () => {
    expect(oauthBearerInitialResponse('eyJ.a-b_c.d').toString('latin1')).toBe('n,,\x01auth=Bearer eyJ.a-b_c.d\x01\x01')
    expect(oauthBearerInitialResponse('tok', { logicalCluster: 'lkc-1', identityPoolId: 'pool 2' }).toString('latin1')).toBe(
      'n,,\x01auth=Bearer tok\x01logicalCluster=lkc-1\x01identityPoolId=pool 2\x01\x01',
    )
    expect(oauthBearerInitialResponse('tok', {}, 'admin').toString('latin1')).toBe('n,a=admin,\x01auth=Bearer tok\x01\x01')
  })

  it('refuses a malformed token, a reserved or non-letter extension key and a control character in a value, never echoing the token', () => {
    const secret = 'secret token'
    const err = (() => {
      try {
        oauthBearerInitialResponse(secret)
      } catch (e) {
        return e as Error
      }
    })()
    expect(err).toBeInstanceOf(SaslError)
    expect(err?.message).not.toContain(secret)
    expect(() => oauthBearerInitialResponse('')).toThrow(SaslError)
    expect(() => oauthBearerInitialResponse('tok', { auth: 'x' })).toThrow(/extension key "auth"/)
    expect(() => oauthBearerInitialResponse('tok', { 'a-b': 'x' })).toThrow(/extension key "a-b"/)
    expect(() => oauthBearerInitialResponse('tok', { k: 'a\x01b' })).toThrow(/extension k must be/)
    expect(() => oauthBearerInitialResponse('tok', {}, 'a,b')).toThrow(/authorization id/)
  })
})

describe('oauthBearerServerError', () => {
  it('summarises the JSON challenge; an empty one means success', () => {
    expect(oauthBearerServerError(Buffer.alloc(0))).toBeUndefined()
    expect(oauthBearerServerError(Buffer.from('{"status":"invalid_token"}'))).toBe('invalid_token')
    expect(oauthBearerServerError(Buffer.from('{"status":"insufficient_scope","scope":"kafka"}'))).toBe('insufficient_scope (scope: kafka)')
    expect(oauthBearerServerError(Buffer.from('not json'))).toBe('not json')
    expect(OAUTHBEARER_ERROR_ACK).toEqual(Buffer.from([1]))
  })
})
