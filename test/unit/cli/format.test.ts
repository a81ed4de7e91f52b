import { describe, expect, it } from 'vitest'
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatProduceSummary,
  formatRecord,
  formatTable,
  ratePerSecond,
  toJsonRecord,
} from '../../../src/cli/format.js'
import type { KafkaRecord } from '../../../src/index.js'

const rec = (over: Partial<KafkaRecord> = {}): KafkaRecord => ({
  offset: 9007199254740993n,
  timestamp: 1700000000000,
  key: Buffer.from('k€'),
  value: Buffer.from('v\t"x"'),
  headers: [
    ['h', Buffer.from('1')],
    ['n', null],
  ],
  ...over,
})

describe('record formatting', () => {
  it('json: offsets as exact strings, UTF-8 text, null kept, headers as pairs', () => {
    const line = formatRecord('t', 2, rec(), { format: 'json' })
    expect(JSON.parse(line)).toEqual({
      topic: 't',
      partition: 2,
      offset: '9007199254740993',
      timestamp: 1700000000000,
      key: 'k€',
      value: 'v\t"x"',
      headers: [
        ['h', '1'],
        ['n', null],
      ],
    })
    expect(line).not.toContain('\n')
    expect(toJsonRecord('t', 0, rec({ key: null, value: null, headers: [] }))).toMatchObject({ key: null, value: null, headers: [] })
  })

  it('text: the value, or key TAB value, with backslash, newline, CR and TAB escaped', () => {
    expect(formatRecord('t', 0, rec(), { format: 'text' })).toBe('v\\t"x"')
    expect(formatRecord('t', 0, rec(), { format: 'text', printKey: true })).toBe('k€\tv\\t"x"')
    expect(formatRecord('t', 0, rec({ value: Buffer.from('a\nb\r\\') }), { format: 'text' })).toBe('a\\nb\\r\\\\')
    expect(formatRecord('t', 0, rec({ key: null, value: null }), { format: 'text', printKey: true, nullText: '\\N' })).toBe('\\N\t\\N')
    expect(formatRecord('t', 0, rec({ key: null, value: null }), { format: 'text', printKey: true })).toBe('\t')
  })
})

describe('human numbers', () => {
  it('formats bytes', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB')
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GB')
  })
  it('formats counts with separators', () => {
    expect(formatCount(0)).toBe('0')
    expect(formatCount(999)).toBe('999')
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatCount(12345678901234n)).toBe('12,345,678,901,234')
  })
  it('formats durations and rates', () => {
    expect(formatDuration(420)).toBe('0.42 s')
    expect(formatDuration(12_340)).toBe('12.3 s')
    expect(formatDuration(185_000)).toBe('3m05s')
    expect(ratePerSecond(500, 250)).toBe(2000)
    expect(ratePerSecond(5, 0)).toBe(0)
  })
})

describe('formatTable', () => {
  it('aligns columns without trailing spaces', () => {
    expect(
      formatTable([
        ['partition', 'leader'],
        ['0', '1'],
        ['10', '2'],
      ]),
    ).toBe('partition  leader\n0          1\n10         2')
  })
})

describe('formatProduceSummary', () => {
  it('reports totals, rate and per-partition counts in partition order', () => {
    const text = formatProduceSummary({
      topic: 't',
      records: 2000,
      bytes: 2048,
      elapsedMs: 500,
      perPartition: new Map([
        [2, 500],
        [0, 1500],
      ]),
    })
    expect(text).toBe('produced 2,000 records (2.0 KB) to t in 0.50 s: 4,000 records/s, 0.00 MB/s\n  partition 0: 1,500\n  partition 2: 500')
  })
})
