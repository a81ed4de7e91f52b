/**
 * State store micro-benchmark: put / get / range throughput of the in-memory store, the LMDB
 * store (src/streams/state/lmdb.ts, through the BytesStore interface) and LevelDB
 * (`classic-level`, a devDependency used only here, through its own API: batched async writes,
 * getSync, async iterator, since it has no synchronous write or scan API).
 *
 *   npx tsx bench/streams/stores.ts [--records 200000] [--value-bytes 75]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ClassicLevel } from 'classic-level'
import { InMemoryKeyValueStore } from '../../src/streams/state/in-memory.js'
import { LmdbKeyValueStore } from '../../src/streams/state/lmdb.js'
import type { BytesStore } from '../../src/streams/state/store.js'

const { values: args } = parseArgs({ options: { records: { type: 'string', default: '200000' }, 'value-bytes': { type: 'string', default: '75' } } })
const N = Number(args.records)
const value = Buffer.alloc(Number(args['value-bytes']), 0x61)
// Keys in random order (like hashed record keys), 16 bytes.
const keys = Array.from({ length: N }, (_, i) => Buffer.from(`user-${String((i * 2654435761) % 4294967296).padStart(10, '0')}`))
const dir = mkdtempSync(join(tmpdir(), 'peridot-store-bench-'))

interface Row {
  store: string
  'put/s': number
  'get/s': number
  'range/s': number
  'flush ms': number
}

function rate(n: number, ms: number): number {
  return Math.round((n / ms) * 1000)
}

function benchStore(label: string, s: BytesStore): Row {
  let t = performance.now()
  for (let i = 0; i < N; i++) s.put(keys[i], value)
  const putMs = performance.now() - t
  t = performance.now()
  s.flush()
  const flushMs = performance.now() - t
  t = performance.now()
  let bytes = 0
  for (let i = 0; i < N; i++) bytes += (s.get(keys[i]) as Buffer).length
  const getMs = performance.now() - t
  t = performance.now()
  let n = 0
  for (const e of s.all()) n += e.value.length > 0 ? 1 : 0
  const rangeMs = performance.now() - t
  if (n !== N || bytes !== N * value.length) throw new Error(`${label}: wrong results`)
  s.close()
  return { store: label, 'put/s': rate(N, putMs + flushMs), 'get/s': rate(N, getMs), 'range/s': rate(N, rangeMs), 'flush ms': Math.round(flushMs) }
}

async function benchLevel(): Promise<Row> {
  const db = new ClassicLevel<Buffer, Buffer>(join(dir, 'level'), { keyEncoding: 'buffer', valueEncoding: 'buffer' })
  await db.open()
  // Writes: batches of 10,000 (the best case for LevelDB: one batch per commit interval).
  let t = performance.now()
  for (let i = 0; i < N; i += 10_000) {
    const batch = db.batch()
    for (let j = i; j < Math.min(N, i + 10_000); j++) batch.put(keys[j], value)
    await batch.write()
  }
  const putMs = performance.now() - t
  t = performance.now()
  let bytes = 0
  for (let i = 0; i < N; i++) bytes += (db.getSync(keys[i]) as Buffer).length
  const getMs = performance.now() - t
  t = performance.now()
  let n = 0
  for await (const [, v] of db.iterator()) n += v.length > 0 ? 1 : 0
  const rangeMs = performance.now() - t
  await db.close()
  if (n !== N || bytes !== N * value.length) throw new Error('level: wrong results')
  return { store: 'LevelDB (classic-level, batch 10k)', 'put/s': rate(N, putMs), 'get/s': rate(N, getMs), 'range/s': rate(N, rangeMs), 'flush ms': 0 }
}

const rows: Row[] = []
rows.push(benchStore('in-memory', new InMemoryKeyValueStore('m')))
rows.push(benchStore('LMDB (LmdbKeyValueStore)', new LmdbKeyValueStore('l', { path: join(dir, 'lmdb') })))
rows.push(benchStore('LMDB, flush every 1000 puts', new LmdbKeyValueStore('l2', { path: join(dir, 'lmdb2'), maxBufferedEntries: 1000 })))
rows.push(await benchLevel())
rmSync(dir, { recursive: true, force: true })

console.log(`\n${N.toLocaleString('en-US')} keys (16 B), ${value.length} B values, random key order\n`)
const cols = ['store', 'put/s', 'get/s', 'range/s'] as const
console.log(`| ${cols.join(' | ')} |\n|${cols.map(() => ' --- ').join('|')}|`)
for (const r of rows) console.log(`| ${cols.map((c) => (typeof r[c] === 'number' ? r[c].toLocaleString('en-US') : r[c])).join(' | ')} |`)
