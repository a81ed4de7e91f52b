/**
 * `npx tsx bench/native-codecs.ts [--baseline <checkout>]`: CRC32C and zstd implementations
 * side by side, in MB/s of CPU time (best of several rounds, so other load on the machine
 * matters less than in wall-clock figures). Rows: the implementations Peridot ships
 * (@node-rs/crc32, the JavaScript CRC32C fallback, node:zlib zstd where this Node has it,
 * the WebAssembly zstd), and with --baseline those of another checkout's node_modules
 * (for example fast-crc32c with a hand-built sse4_crc32, and zstd-napi). Last, the record
 * batch codec as `npm run bench -- --only codec` runs it (~256 KiB batches of 100 B and 1 KB
 * records), for this checkout and the baseline checkout's sources.
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { crc32c } from '../src/protocol/records/crc32c.js'
import { crc32cJs } from '../src/protocol/records/crc32c-js.js'
import { nodeZstdAvailable, nodeZstdCompress, nodeZstdDecompress } from '../src/protocol/records/compression/zstd-node.js'
import { zstdWasmCompress, zstdWasmDecompress } from '../src/protocol/records/compression/zstd-wasm.js'

const { values: opts } = parseArgs({
  options: { baseline: { type: 'string' }, rounds: { type: 'string', default: '7' }, 'batch-of': { type: 'string' } },
})
const ROUNDS = Number(opts.rounds)
const here = dirname(dirname(fileURLToPath(import.meta.url)))
const checkouts: Array<[string, string]> = [['this checkout', here]]
if (opts.baseline) checkouts.push(['baseline', resolve(opts.baseline)])

function cpuSeconds(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/** MB/s of CPU time for `fn` over `bytes` per call: the best of ROUNDS rounds of ~0.3 s. */
function rate(bytes: number, fn: () => unknown): number {
  for (let i = 0; i < 5; i++) fn()
  let best = 0
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = cpuSeconds()
    let calls = 0
    let t = t0
    while (t - t0 < 0.3) {
      fn()
      calls++
      t = cpuSeconds()
    }
    best = Math.max(best, (calls * bytes) / (t - t0) / 1e6)
  }
  return best
}

/** Record-like JSON text: compresses about as Kafka payloads often do (~6x with zstd). */
function records(size: number): Buffer {
  const parts: string[] = []
  let len = 0
  for (let i = 0; len < size; i++) {
    const s = `{"id":${i},"user":"user-${i % 1000}","event":"click","ts":${1_700_000_000_000 + i * 13},"session":"${((i * 2654435761) >>> 0).toString(36)}"}`
    parts.push(s)
    len += s.length
  }
  return Buffer.from(parts.join('')).subarray(0, size)
}

interface BatchCodec {
  encodeRecordBatchToBuffer(records: Array<{ key: null; value: Buffer; timestamp: number }>): Buffer
  decodeRecordBatches(buf: Buffer): Iterable<{ records(): unknown[] }>
}

/** `--batch-of <checkout>`: that checkout's record batch codec, printed as JSON rows. */
async function batchRows(dir: string): Promise<Array<[string, number, number]>> {
  const codec = (await import(join(dir, 'src/protocol/records/index.js'))) as BatchCodec
  const out: Array<[string, number, number]> = []
  for (const size of [100, 1024]) {
    const value = Buffer.alloc(size, 'x')
    const batch = Array.from({ length: Math.floor((256 * 1024) / size) }, () => ({ key: null, value, timestamp: 1_700_000_000_000 }))
    const encoded = codec.encodeRecordBatchToBuffer(batch)
    out.push([`batch encode ${size} B records`, encoded.length, rate(encoded.length, () => codec.encodeRecordBatchToBuffer(batch))])
    let sink = 0
    out.push([`batch decode ${size} B records`, encoded.length, rate(encoded.length, () => {
      for (const b of codec.decodeRecordBatches(encoded)) sink += b.records().length
    })])
    if (sink === 0) throw new Error('decoded nothing')
  }
  return out
}
if (opts['batch-of']) {
  console.log(JSON.stringify(await batchRows(opts['batch-of'])))
  process.exit(0)
}

const baseline = opts.baseline ? createRequire(join(opts.baseline, 'package.json')) : undefined
function fromBaseline<T>(name: string): T | undefined {
  try {
    return baseline?.(name) as T
  } catch {
    return undefined
  }
}

const rows: string[] = ['| what | size | implementation | MB/s (CPU time) |', '| --- | --- | --- | --- |']
const row = (what: string, size: number, impl: string, mbs: number) => rows.push(`| ${what} | ${size >= 1 << 20 ? `${size >> 20} MiB` : `${size >> 10} KiB`} | ${impl} | ${mbs.toFixed(0)} |`)

// The version matters: 1.10.8's x64 builds run CRC32C at a quarter of 1.10.7's speed (see RESULTS.md).
const nodeRsCrc = `@node-rs/crc32 ${(createRequire(import.meta.url)('@node-rs/crc32/package.json') as { version: string }).version}`
const fastCrc = fromBaseline<{ calculate(b: Uint8Array): number }>('fast-crc32c')
const fastCrcJs = fromBaseline<{ calculate(b: Uint8Array): number }>('fast-crc32c/impls/js_crc32c')
for (const size of [1024, 16 * 1024, 256 * 1024]) {
  const buf = records(size)
  row('crc32c', size, `${nodeRsCrc} (shipped)`, rate(size, () => crc32c(buf)))
  row('crc32c', size, 'JavaScript slice-by-8 (shipped fallback)', rate(size, () => crc32cJs(buf)))
  if (fastCrc && fastCrc !== fastCrcJs) row('crc32c', size, 'baseline fast-crc32c (sse4_crc32, compiled)', rate(size, () => fastCrc.calculate(buf)))
  // What fast-crc32c falls back to when its addon did not build (npm 11 skips install scripts).
  if (fastCrcJs) row('crc32c', size, 'baseline fast-crc32c JavaScript fallback', rate(size, () => fastCrcJs.calculate(buf)))
}

const zstdNapi = fromBaseline<{ compress(b: Uint8Array): Buffer; decompress(b: Uint8Array): Buffer }>('zstd-napi')
for (const size of [16 * 1024, 1 << 20]) {
  const data = records(size)
  const frame = zstdWasmCompress(data)
  const max = size * 2
  if (nodeZstdAvailable) {
    row('zstd compress', size, `node:zlib (${process.version}, shipped)`, rate(size, () => nodeZstdCompress(data)))
    row('zstd decompress', size, `node:zlib (${process.version}, shipped)`, rate(size, () => nodeZstdDecompress(frame, max)))
  }
  row('zstd compress', size, 'WebAssembly (shipped fallback)', rate(size, () => zstdWasmCompress(data)))
  row('zstd decompress', size, 'WebAssembly (shipped fallback)', rate(size, () => zstdWasmDecompress(frame, max)))
  if (zstdNapi) {
    row('zstd compress', size, 'baseline zstd-napi (compiled)', rate(size, () => zstdNapi.compress(data)))
    row('zstd decompress', size, 'baseline zstd-napi (compiled)', rate(size, () => zstdNapi.decompress(frame)))
  }
}
// Each checkout's batch codec runs in a child process of its own: in one process, the two
// copies of the code share call sites in this script and slow each other down.
for (const [name, dir] of checkouts) {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--batch-of', dir, '--rounds', String(ROUNDS)], { encoding: 'utf8' })
  if (child.status !== 0) throw new Error(`batch codec of ${dir} failed: ${child.stderr}`)
  for (const r of JSON.parse(child.stdout) as Array<[string, number, number]>) row(r[0], r[1], name, r[2])
}
console.log(rows.join('\n'))
console.log(`\nNode ${process.version}; zstd frames from the WebAssembly build (level 3, content size declared)`)
