import { describe, expect, it } from 'vitest'
import { Reader } from '../../../../src/protocol/primitives/reader.js'
import { Writer } from '../../../../src/protocol/primitives/writer.js'
import {
  decodeResponseHeader,
  encodeRequestFrame,
  encodeRequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../../../src/protocol/messages/header.js'
import { ApiVersions } from '../../../../src/protocol/messages/api-versions.js'
import { Metadata } from '../../../../src/protocol/messages/metadata.js'
import { Fetch } from '../../../../src/protocol/messages/fetch.js'
import { Produce } from '../../../../src/protocol/messages/produce.js'
import { cat, hex, i16, i32, str } from './bytes.js'

describe('header versions', () => {
  it('uses request header 2 / response header 1 for flexible versions', () => {
    expect(requestHeaderVersion(Metadata, 8)).toBe(1)
    expect(requestHeaderVersion(Metadata, 9)).toBe(2)
    expect(responseHeaderVersion(Metadata, 8)).toBe(0)
    expect(responseHeaderVersion(Metadata, 9)).toBe(1)
    expect(requestHeaderVersion(Produce, 9)).toBe(2)
    expect(responseHeaderVersion(Fetch, 11)).toBe(0)
    expect(responseHeaderVersion(Fetch, 12)).toBe(1)
  })

  it('always uses response header 0 for ApiVersions, but request header 2 when flexible', () => {
    for (let v = 0; v <= 4; v++) expect(responseHeaderVersion(ApiVersions, v)).toBe(0)
    expect(requestHeaderVersion(ApiVersions, 2)).toBe(1)
    expect(requestHeaderVersion(ApiVersions, 3)).toBe(2)
  })
})

describe('request header', () => {
  it('v1: key, version, correlation id, int16-length client id', () => {
    const w = new Writer(4)
    encodeRequestHeader(w, 1, { apiKey: 3, apiVersion: 8, correlationId: 7, clientId: 'cli' })
    expect(w.finish()).toEqual(cat(i16(3), i16(8), i32(7), str('cli')))
  })

  it('v2: client id stays a classic string, then an empty tag buffer', () => {
    const w = new Writer(4)
    encodeRequestHeader(w, 2, { apiKey: 18, apiVersion: 3, correlationId: 1, clientId: 'cli' })
    expect(w.finish()).toEqual(hex('0012 0003 00000001 0003 636c69 00'))
  })

  it('writes a null client id as length -1', () => {
    const w = new Writer(4)
    encodeRequestHeader(w, 1, { apiKey: 0, apiVersion: 3, correlationId: -2, clientId: null })
    expect(w.finish()).toEqual(hex('0000 0003 fffffffe ffff'))
  })

  it('encodeRequestFrame writes the right header then the body', () => {
    const w = new Writer(4)
    encodeRequestFrame(w, ApiVersions, 3, 9, 'c', { clientSoftwareName: 'a', clientSoftwareVersion: 'b' })
    expect(w.finish()).toEqual(hex('0012 0003 00000009 0001 63 00  02 61 02 62 00'))
  })
})

describe('response header', () => {
  it('v0 is the correlation id only', () => {
    const r = new Reader(hex('0000002a ff'))
    expect(decodeResponseHeader(r, 0)).toEqual({ correlationId: 42 })
    expect(r.offset).toBe(4)
  })

  it('v1 skips unknown tagged fields', () => {
    const r = new Reader(hex('0000002a 01 05 02 abcd 99'))
    expect(decodeResponseHeader(r, 1)).toEqual({ correlationId: 42 })
    expect(r.offset).toBe(9)
  })
})
