import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { InMemoryKeyValueStore } from '../../../src/streams/state/in-memory.js'
import { LMDB_MAX_KEY_BYTES, LmdbKeyValueStore, lmdbKeyValueStore, storeDirectory } from '../../../src/streams/state/lmdb.js'
import { checkpointPath, CheckpointError, deleteCheckpoint, readCheckpoint, writeCheckpoint } from '../../../src/streams/state/checkpoint.js'
import { Stores } from '../../../src/streams/state/stores.js'
import { bytesStoreContract } from './store-contract.js'

const root = mkdtempSync(join(tmpdir(), 'peridot-lmdb-test-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const freshDir = (): string => join(root, `s${n++}`)
const b = (s: string): Buffer => Buffer.from(s)

describe('BytesStore contract: in-memory', () => {
  bytesStoreContract(() => new InMemoryKeyValueStore('mem'))
})

describe('BytesStore contract: LMDB', () => {
  bytesStoreContract(() => new LmdbKeyValueStore('lmdb', { path: freshDir() }, true))
})

describe('BytesStore contract: LMDB with a tiny write buffer (every few puts reach LMDB)', () => {
  bytesStoreContract(() => new LmdbKeyValueStore('lmdb', { path: freshDir(), maxBufferedEntries: 3 }, true))
})

describe('LmdbKeyValueStore', () => {
  it('keeps data across close and reopen, including the empty key and deletes', () => {
    const path = freshDir()
    const s1 = new LmdbKeyValueStore('counts', { path })
    s1.put(b('a'), b('1'))
    s1.put(b('b'), b('2'))
    s1.put(Buffer.alloc(0), b('empty'))
    s1.flush()
    s1.put(b('c'), b('3')) // buffered only: close must write it
    s1.delete(b('a'))
    s1.close()
    const s2 = new LmdbKeyValueStore('counts', { path })
    expect([...s2.all()].map((e) => `${e.key}=${e.value}`)).toEqual(['=empty', 'b=2', 'c=3'])
    expect(s2.persistent).toBe(true)
    s2.close()
  })

  it('merges buffered writes with flushed data in range scans', () => {
    const s = new LmdbKeyValueStore('m', { path: freshDir() }, true)
    for (const k of ['b', 'd', 'f']) s.put(b(k), b('disk'))
    s.flush()
    s.put(b('a'), b('buf'))
    s.put(b('d'), b('buf'))
    s.put(b('e'), b('buf'))
    s.delete(b('f'))
    expect([...s.range(b('a'), b('z'))].map((e) => `${e.key}=${e.value}`)).toEqual(['a=buf', 'b=disk', 'd=buf', 'e=buf'])
    expect([...s.range(b('c'), b('d'))].map((e) => `${e.key}=${e.value}`)).toEqual(['d=buf'])
    s.close()
  })

  it('an open iterator is not disturbed by writes and early flushes', () => {
    const s = new LmdbKeyValueStore('it', { path: freshDir(), maxBufferedEntries: 2 }, true)
    for (let i = 0; i < 10; i++) s.put(b(`k${i}`), b(`v${i}`))
    const seen: string[] = []
    for (const e of s.all()) {
      seen.push(e.key.toString())
      s.put(b(`z${seen.length}`), b('new')) // triggers flushes while iterating
    }
    expect(seen.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `k${i}`))
    s.close()
  })

  it('returns values that stay valid after later reads and writes', () => {
    const s = new LmdbKeyValueStore('copy', { path: freshDir() }, true)
    s.put(b('a'), b('first'))
    s.put(b('b'), b('second'))
    s.flush()
    const a = s.get(b('a'))
    const fromRange = [...s.all()]
    s.get(b('b'))
    s.put(b('a'), b('changed'))
    s.flush()
    expect(a?.toString()).toBe('first')
    expect(fromRange.map((e) => e.value.toString())).toEqual(['first', 'second'])
    s.close()
  })

  it('refuses keys longer than LMDB allows with a clear error', () => {
    const s = new LmdbKeyValueStore('big', { path: freshDir() }, true)
    s.put(Buffer.alloc(LMDB_MAX_KEY_BYTES, 1), b('ok'))
    expect(() => s.put(Buffer.alloc(LMDB_MAX_KEY_BYTES + 1, 1), b('no'))).toThrow(/exceeds LMDB's limit/)
    expect(s.get(Buffer.alloc(LMDB_MAX_KEY_BYTES + 1, 1))).toBeNull()
    s.close()
  })

  it('the supplier puts the store in <stateDir>/<taskId>/<name>, or a temporary directory removed on close', () => {
    const stateDir = freshDir()
    const supplier = Stores.persistentKeyValueStore('agg')
    const s = supplier.get({ applicationId: 'app', taskId: '0_3', stateDir }) as LmdbKeyValueStore
    expect(s.path).toBe(storeDirectory(stateDir, '0_3', 'agg'))
    expect(s.path).toBe(join(stateDir, '0_3', 'agg'))
    s.put(b('k'), b('v'))
    s.close()
    expect(existsSync(join(stateDir, '0_3', 'agg', 'data.mdb'))).toBe(true)
    const tmp = lmdbKeyValueStore('t').get() as LmdbKeyValueStore
    expect(existsSync(tmp.path)).toBe(true)
    tmp.close()
    expect(existsSync(tmp.path)).toBe(false)
  })
})

describe('checkpoint files', () => {
  it('round-trips offsets in Kafka Streams format and replaces the file atomically', () => {
    const dir = freshDir()
    const s = new LmdbKeyValueStore('x', { path: dir }, false) // creates dir
    s.close()
    const file = checkpointPath(dir)
    expect(readCheckpoint(file)).toEqual([])
    writeCheckpoint(file, [
      { topic: 'app-counts-changelog', partition: 3, offset: 42n },
      { topic: 'in', partition: 0, offset: 9007199254740993n },
    ])
    expect(readFileSync(file, 'utf8')).toBe('0\n2\napp-counts-changelog 3 42\nin 0 9007199254740993\n')
    expect(readCheckpoint(file)).toEqual([
      { topic: 'app-counts-changelog', partition: 3, offset: 42n },
      { topic: 'in', partition: 0, offset: 9007199254740993n },
    ])
    writeCheckpoint(file, [{ topic: 't', partition: 1, offset: 7n }])
    expect(readCheckpoint(file)).toEqual([{ topic: 't', partition: 1, offset: 7n }])
    expect(existsSync(`${file}.tmp`)).toBe(false)
    deleteCheckpoint(file)
    expect(readCheckpoint(file)).toEqual([])
  })

  it('rejects malformed files', () => {
    const dir = freshDir()
    new LmdbKeyValueStore('x', { path: dir }, false).close()
    const file = checkpointPath(dir)
    writeFileSync(file, '0\n2\nt 0 1\n')
    expect(() => readCheckpoint(file)).toThrow(CheckpointError)
    writeFileSync(file, '1\n0\n')
    expect(() => readCheckpoint(file)).toThrow(/version/)
    writeFileSync(file, '0\n1\nt x 1\n')
    expect(() => readCheckpoint(file)).toThrow(/malformed/)
  })
})

describe('persistent stores in a topology', () => {
  it('a DSL count materialized in LMDB gives the same results as in memory', async () => {
    const { Materialized, Serdes, StreamsBuilder, TopologyTestDriver } = await import('../../../src/streams/index.js')
    const run = (persistent: boolean): Array<[string, number]> => {
      const builder = new StreamsBuilder()
      builder
        .stream('words', { key: Serdes.string(), value: Serdes.string() })
        .groupBy((_k, w) => w, { key: Serdes.string(), value: Serdes.string() })
        .count(persistent ? Materialized.as<string, number>(Stores.persistentKeyValueStore('counts')) : 'counts')
        .toStream()
        .to('out', { key: Serdes.string(), value: Serdes.int64() })
      const driver = new TopologyTestDriver(builder.build())
      const input = driver.createInputTopic('words', Serdes.string(), Serdes.string())
      const out = driver.createOutputTopic('out', Serdes.string(), Serdes.int64())
      for (const w of ['a', 'b', 'a', 'c', 'a', 'b']) input.pipeInput(null as unknown as string, w)
      const result = out.readKeyValuesToList().map((kv) => [kv.key, kv.value] as [string, number])
      driver.close()
      return result
    }
    expect(run(true)).toEqual(run(false))
    expect(run(true).at(-1)).toEqual(['b', 2])
  })
})
