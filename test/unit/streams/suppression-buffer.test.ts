import { describe, expect, it } from 'vitest'
import { InMemoryKeyValueStore } from '../../../src/streams/state/in-memory.js'
import { LoggingBytesStore } from '../../../src/streams/state/logging.js'
import { decodeBufferedChange, SuppressionBuffer } from '../../../src/streams/state/suppression-buffer.js'

/** A buffer over a logged in-memory store; `log` lists the changelog records (key, new value text or null). */
function harness() {
  const log: Array<[string, string | null]> = []
  const sink = {
    logChange: (_store: string, key: Buffer, value: Buffer | null) => {
      const nv = value === null ? null : decodeBufferedChange(value).newValue
      log.push([key.toString(), value === null ? null : String(nv)])
    },
  }
  const store = new LoggingBytesStore(new InMemoryKeyValueStore('b'), sink, { currentRecordTimestamp: () => 0 })
  const buffer = new SuppressionBuffer(store)
  const put = (key: string, time: number, value: string) => buffer.put(time, Buffer.from(key), Buffer.from(value), null, time, [], null)
  const emitted: string[] = []
  const evictUpTo = (time: number) => buffer.evictWhile(() => buffer.minTimestamp <= time, (k, c) => emitted.push(`${k.toString()}=${String(c.newValue)}`))
  return { buffer, store, log, put, evictUpTo, emitted }
}

describe('suppression buffer', () => {
  it('writes its store only at flush: each changed key once, in the order keys first changed, with the latest change', () => {
    const { buffer, store, log, put } = harness()
    put('a', 1, 'a1')
    put('b', 2, 'b1')
    put('a', 3, 'a2')
    expect(log).toEqual([])
    expect(store.get(Buffer.from('a'))).toBeNull()
    buffer.flush()
    expect(log).toEqual([['a', 'a2'], ['b', 'b1']])
    buffer.flush()
    expect(log).toHaveLength(2)
  })

  it('an emitted key is deleted at flush; buffered again in the same interval, it is written once, in its first place', () => {
    const { buffer, store, log, put, evictUpTo, emitted } = harness()
    put('a', 1, 'a1')
    put('b', 2, 'b1')
    buffer.flush()
    log.length = 0
    put('a', 1, 'a2')
    put('c', 5, 'c1')
    evictUpTo(2)
    expect(emitted).toEqual(['a=a2', 'b=b1'])
    put('a', 9, 'a3')
    buffer.flush()
    expect(log).toEqual([['a', 'a3'], ['c', 'c1'], ['b', null]])
    expect(store.get(Buffer.from('b'))).toBeNull()
    // What the store holds is the buffer: a new buffer loads it back.
    const reloaded = new SuppressionBuffer(store)
    reloaded.load()
    expect(reloaded.numRecords).toBe(2)
    expect(reloaded.minTimestamp).toBe(5)
    expect(buffer.priorValue(Buffer.from('a'))).toEqual({ defined: true, value: null })
    expect(buffer.priorValue(Buffer.from('b'))).toEqual({ defined: false, value: null })
  })
})
