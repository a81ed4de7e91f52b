import { describe, expect, it } from 'vitest'
import { decodeBufferedChange, encodeBufferedChange, type BufferedChange } from '../../../src/streams/state/suppression-buffer.js'

describe('suppression buffer value layout', () => {
  const base: BufferedChange = {
    bufferTime: 300_000,
    timestamp: 123_456,
    headers: [],
    topic: 'input',
    partition: 3,
    offset: 42n,
    priorValue: null,
    oldValue: null,
    newValue: Buffer.from([1, 2, 3]),
  }
  const cases: Array<[string, BufferedChange]> = [
    ['plain', base],
    ['no topic (punctuation)', { ...base, topic: null, partition: -1, offset: -1n }],
    ['multi-byte topic and headers', { ...base, topic: 'tøpic-é', headers: [['h€', Buffer.from('v')], ['n', null]] }],
    ['old value equal to the prior', { ...base, priorValue: Buffer.from('p'), oldValue: Buffer.from('p') }],
    ['old value other than the prior', { ...base, priorValue: Buffer.from('p'), oldValue: Buffer.from('older'), newValue: null }],
  ]
  for (const [name, change] of cases) {
    it(`round-trips, sized exactly: ${name}`, () => {
      const bytes = encodeBufferedChange(change)
      expect(decodeBufferedChange(bytes)).toEqual(change)
      let size = 1 + 8 + 8 + 8 + 4 + 2 + (change.topic === null ? 0 : Buffer.byteLength(change.topic)) + 4
      for (const [k, v] of change.headers) size += 2 + Buffer.byteLength(k) + 4 + (v?.length ?? 0)
      const same = change.oldValue !== null && change.priorValue !== null && change.oldValue.equals(change.priorValue)
      size += 12 + (change.priorValue?.length ?? 0) + (same ? 0 : (change.oldValue?.length ?? 0)) + (change.newValue?.length ?? 0)
      expect(bytes.length).toBe(size)
    })
  }
  it('a topic after another one is encoded as itself', () => {
    encodeBufferedChange({ ...base, topic: 'first' })
    expect(decodeBufferedChange(encodeBufferedChange({ ...base, topic: 'second' })).topic).toBe('second')
  })
})
