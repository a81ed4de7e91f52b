import { describe, expect, it } from 'vitest'
import { recordWriter } from '../../../src/cli/commands/consume.js'
import { UsageError } from '../../../src/cli/errors.js'
import { compileFormat, encodeBytes, escapeText, parseEncoding } from '../../../src/cli/record-format.js'
import type { KafkaRecord } from '../../../src/index.js'

const record: KafkaRecord = {
  offset: 42n,
  timestamp: 1700000000000,
  key: Buffer.from('k'),
  value: Buffer.from([0x61, 0x0a, 0xff, 0x00]),
  headers: [
    ['h', Buffer.from('1')],
    ['n', null],
  ],
}
const src = { topic: 'orders', partition: 3, record }
const text = (b: Buffer) => b.toString('latin1')

describe('kcat-style format strings', () => {
  it('expands every directive with kcat meanings and ends the record with a newline', () => {
    const f = compileFormat('%t [%p] @%o %T %k=%s (%K/%S) %h 100%%', { encoding: 'hex' })
    expect(f(src).toString()).toBe('orders [3] @42 1700000000000 6b=610aff00 (1/4) h=31,n= 100%\n')
  })

  it('adds no second newline when the format ends with \\n, and knows \\t', () => {
    expect(compileFormat('%k\\t%o\\n', { encoding: 'text' })(src).toString()).toBe('k\t42\n')
  })

  it('distinguishes null from empty with a null text, and reports null lengths as -1', () => {
    const f = compileFormat('%k|%s|%K|%S', { encoding: 'text', nullText: '\\N' })
    expect(f({ ...src, record: { ...record, key: null, value: Buffer.alloc(0) } }).toString()).toBe('\\N||-1|0\n')
  })

  it('raw keeps the bytes as they are, base64 encodes them', () => {
    expect([...compileFormat('%s', { encoding: 'raw' })(src)]).toEqual([0x61, 0x0a, 0xff, 0x00, 0x0a])
    expect(compileFormat('%s', { encoding: 'base64' })(src).toString()).toBe(`${record.value!.toString('base64')}\n`)
  })

  it('refuses unknown directives and escapes as usage errors', () => {
    expect(() => compileFormat('%x', { encoding: 'text' })).toThrow(UsageError)
    expect(() => compileFormat('%x', { encoding: 'text' })).toThrow(/unknown directive "%x"/)
    expect(() => compileFormat('\\q', { encoding: 'text' })).toThrow(/unknown escape/)
  })
})

describe('byte encodings', () => {
  it('text escapes backslash, newline, CR and TAB so a record is one line', () => {
    expect(escapeText('a\\b\nc\rd\te')).toBe('a\\\\b\\nc\\rd\\te')
    expect(text(encodeBytes(Buffer.from('x\ny'), 'text'))).toBe('x\\ny')
    expect(text(encodeBytes(null, 'hex', 'NULL'))).toBe('NULL')
  })
  it('parseEncoding takes text, raw, base64, hex', () => {
    expect(parseEncoding(undefined)).toBe('text')
    expect(parseEncoding('raw')).toBe('raw')
    expect(() => parseEncoding('utf16')).toThrow(/--encoding must be one of text, raw, base64, hex/)
  })
})

describe('consume record writer', () => {
  it('text and --print-key use the escaped text form, -Z marks null', () => {
    expect(recordWriter(undefined, 'text', true, true)({ ...src, record: { ...record, key: null } }).toString()).toBe('\\N\ta\\n\ufffd\u0000\n')
  })
  it('json with base64 encodes keys, values and header values', () => {
    const line = JSON.parse(recordWriter('json', 'base64', false, false)(src).toString()) as Record<string, unknown>
    expect(line).toMatchObject({ key: 'aw==', value: record.value!.toString('base64'), headers: [['h', 'MQ=='], ['n', null]], offset: '42' })
  })
  it('refuses raw JSON, --print-key with a format string, and a format without directives', () => {
    expect(() => recordWriter('json', 'raw', false, false)).toThrow(/--encoding raw does not fit in JSON/)
    expect(() => recordWriter('%s', 'text', true, false)).toThrow(/--print-key does not apply/)
    expect(() => recordWriter('xml', 'text', false, false)).toThrow(/--format must be text, json or a format string/)
  })
})

describe('schema registry options', () => {
  it('parses -s as kcat does and writes decoded values as JSON', async () => {
    const { parseSchemaSpec, decodedJson } = await import('../../../src/cli/schema-decoding.js')
    expect(parseSchemaSpec(['avro'])).toEqual({ key: 'avro', value: 'avro' })
    expect(parseSchemaSpec(['key=json', 'value=protobuf'])).toEqual({ key: 'json', value: 'protobuf' })
    expect(() => parseSchemaSpec(['value=xml'])).toThrow(/--schema format must be one of avro, protobuf, json/)
    expect(() => parseSchemaSpec(['body=avro'])).toThrow(/--schema expects FORMAT, key=FORMAT or value=FORMAT/)
    expect(decodedJson({ n: 12345678901234567890n, b: Buffer.from('hi'), s: 'x' })).toBe('{"n":"12345678901234567890","b":"aGk=","s":"x"}')
  })
})
