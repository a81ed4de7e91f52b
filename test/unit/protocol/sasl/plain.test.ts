import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { SaslError } from '../../../../src/protocol/sasl/errors.js'
import { plainInitialResponse } from '../../../../src/protocol/sasl/plain.js'

describe('SASL PLAIN', () => {
  it('builds authzid NUL authcid NUL passwd', () => {
    expect(plainInitialResponse({ username: 'alice', password: 'pw' })).toEqual(Buffer.from('\0alice\0pw'))
    expect(plainInitialResponse({ username: 'alice', password: 'pw', authorizationId: 'bob' })).toEqual(Buffer.from('bob\0alice\0pw'))
  })

  it('encodes UTF-8', () => {
    expect(plainInitialResponse({ username: 'é', password: '日' })).toEqual(Buffer.from([0, 0xc3, 0xa9, 0, 0xe6, 0x97, 0xa5]))
  })

  it('refuses NUL inside a field and an empty username without echoing the password', () => {
    const password = 'sec\0ret-password'
    for (const creds of [
      { username: 'alice', password },
      { username: 'al\0ice', password: 'secret-password' },
      { username: '', password: 'secret-password' },
    ]) {
      try {
        plainInitialResponse(creds)
        expect.unreachable()
      } catch (e) {
        expect(e).toBeInstanceOf(SaslError)
        const text = `${(e as Error).message} ${(e as Error).stack} ${inspect(e)}`
        expect(text).not.toContain('secret-password')
        expect(text).not.toContain('ret-password')
      }
    }
  })
})
