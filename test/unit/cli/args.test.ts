import { describe, expect, it } from 'vitest'
import {
  COMMON_OPTIONS,
  DEFAULT_BROKERS,
  expectPositionals,
  parseBrokers,
  parseCommandArgs,
  parseIntFlag,
  parseKeyValues,
  parseEndPosition,
  parseStartPosition,
} from '../../../src/cli/args.js'
import { UsageError } from '../../../src/cli/errors.js'
import { splitLine } from '../../../src/cli/commands/produce.js'

describe('parseCommandArgs', () => {
  const options = { ...COMMON_OPTIONS, partition: { type: 'string' }, config: { type: 'string', multiple: true } } as const

  it('parses options, repeated options and positionals', () => {
    const { values, positionals } = parseCommandArgs('x', ['create', 't', '--partition', '3', '--config', 'a=1', '--config', 'b=2', '-q'], options)
    expect(positionals).toEqual(['create', 't'])
    expect(values.partition).toBe('3')
    expect(values.config).toEqual(['a=1', 'b=2'])
    expect(values.quiet).toBe(true)
    expect(values.help).toBe(false)
  })

  it('reports unknown options and missing values as one-line usage errors', () => {
    expect(() => parseCommandArgs('consume', ['--bogus'], options)).toThrow(UsageError)
    expect(() => parseCommandArgs('consume', ['--bogus'], options)).toThrow(/^Unknown option '--bogus' \(see "peridot consume --help"\)$/)
    expect(() => parseCommandArgs('consume', ['--partition'], options)).toThrow(UsageError)
  })
})

describe('parseBrokers', () => {
  it('splits a comma-separated list', () => {
    expect(parseBrokers('a:1, b:2,[::1]:9092', {})).toEqual(['a:1', 'b:2', '[::1]:9092'])
  })
  it('falls back to KAFKA_CONNECT, then the default', () => {
    expect(parseBrokers(undefined, { KAFKA_CONNECT: 'k:9' })).toEqual(['k:9'])
    expect(parseBrokers(undefined, {})).toEqual([DEFAULT_BROKERS])
  })
  it('refuses addresses without a port', () => {
    expect(() => parseBrokers('localhost', {})).toThrow(UsageError)
    expect(() => parseBrokers(',', {})).toThrow(UsageError)
  })
})

describe('parseIntFlag', () => {
  it('accepts integers in range and passes absence through', () => {
    expect(parseIntFlag('n', '12')).toBe(12)
    expect(parseIntFlag('n', '-1', -1)).toBe(-1)
    expect(parseIntFlag('n', undefined)).toBeUndefined()
  })
  it('refuses non-integers and out-of-range values', () => {
    for (const bad of ['', 'x', '1.5', '1e3', '-1', '0x10']) expect(() => parseIntFlag('n', bad), bad).toThrow(UsageError)
    expect(() => parseIntFlag('partitions', '0', 1, 10)).toThrow('--partitions must be an integer in 1..10, got "0"')
  })
})

describe('parseKeyValues', () => {
  it('splits at the first =', () => {
    expect(parseKeyValues('config', ['a=1', 'b=x=y', 'c='])).toEqual([
      ['a', '1'],
      ['b', 'x=y'],
      ['c', ''],
    ])
    expect(parseKeyValues('config', undefined)).toEqual([])
  })
  it('refuses entries without a key', () => {
    expect(() => parseKeyValues('header', ['novalue'])).toThrow('--header expects key=value, got "novalue"')
    expect(() => parseKeyValues('header', ['=v'])).toThrow(UsageError)
  })
})

describe('parseStartPosition', () => {
  it('understands keywords, offsets and timestamps', () => {
    expect(parseStartPosition(undefined)).toEqual({ kind: 'earliest' })
    expect(parseStartPosition('earliest')).toEqual({ kind: 'earliest' })
    expect(parseStartPosition('latest')).toEqual({ kind: 'latest' })
    expect(parseStartPosition('12345678901234567890')).toEqual({ kind: 'offset', offset: 12345678901234567890n })
    expect(parseStartPosition('@1700000000000')).toEqual({ kind: 'timestamp', timestamp: 1700000000000 })
    expect(parseStartPosition('@2026-11-02T10:00:00Z')).toEqual({ kind: 'timestamp', timestamp: Date.UTC(2026, 10, 2, 10) })
  })
  it('refuses anything else', () => {
    for (const bad of ['', '-x', '--1', 'first', '@', '@yesterday', '@12x']) expect(() => parseStartPosition(bad), bad).toThrow(UsageError)
  })
})

describe('expectPositionals', () => {
  it('checks the count', () => {
    expect(() => expectPositionals(['t'], 1, 'topic name')).not.toThrow()
    expect(() => expectPositionals([], 1, 'topic name')).toThrow('missing topic name')
    expect(() => expectPositionals(['t', 'u'], 1, 'topic name')).toThrow('unexpected argument "u"')
  })
})

describe('splitLine (produce)', () => {
  it('splits at the first separator, keyless without one', () => {
    expect(splitLine('k:v:w', ':')).toEqual({ key: 'k', value: 'v:w' })
    expect(splitLine(':v', ':')).toEqual({ key: '', value: 'v' })
    expect(splitLine('no-sep', ':')).toEqual({ key: null, value: 'no-sep' })
    expect(splitLine('k::v', '::')).toEqual({ key: 'k', value: 'v' })
    expect(splitLine('k:v', undefined)).toEqual({ key: null, value: 'k:v' })
  })
})

describe('relative and end positions', () => {
  it('--from -N counts back from the end, also when given as a separate argument', () => {
    expect(parseStartPosition('-10')).toEqual({ kind: 'fromEnd', back: 10n })
    const options = { ...COMMON_OPTIONS, from: { type: 'string', short: 'o' } } as const
    expect(parseCommandArgs('consume', ['t', '--from', '-10'], options).values.from).toBe('-10')
    expect(parseCommandArgs('consume', ['t', '-o', '-3'], options).values.from).toBe('-3')
  })
  it('--until takes an offset or @TIMESTAMP', () => {
    expect(parseEndPosition('100')).toEqual({ kind: 'offset', offset: 100n })
    expect(parseEndPosition('@1700000000000')).toEqual({ kind: 'timestamp', timestamp: 1700000000000 })
    expect(parseEndPosition(undefined)).toBeUndefined()
    expect(() => parseEndPosition('-1')).toThrow(/--until expects/)
  })
})
