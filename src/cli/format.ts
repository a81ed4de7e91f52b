// Output formatting of the `peridot` commands: records as text or JSON lines, tables, and human
// numbers (bytes, rates, durations). Pure functions, so they are unit-tested without a broker.
import type { KafkaRecord } from '../index.js'
import { escapeText, type ByteEncoding } from './record-format.js'

/** How `peridot consume` prints records. */
export type RecordFormat = 'text' | 'json'

/** Options of {@link formatRecord}. */
export interface RecordFormatOptions {
  format: RecordFormat
  /** text only: print `key<TAB>value` instead of the value alone. */
  printKey?: boolean
  /** json: `base64` or `hex` write key, value and header values in that encoding (default UTF-8 text). */
  encoding?: ByteEncoding
  /** text only: written for a null key or value (default '', as kcat without -Z). */
  nullText?: string
}

/** The JSON object printed per record by `--format json`. Offsets are strings: they are 64-bit. */
export interface JsonRecord {
  topic: string
  partition: number
  offset: string
  timestamp: number
  key: string | null
  value: string | null
  headers: Array<[string, string | null]>
}

/**
 * The JSON form of a record: key, value and header values decoded as UTF-8 (or base64 / hex with
 * that `encoding`), null kept as null.
 */
export function toJsonRecord(topic: string, partition: number, r: KafkaRecord, encoding: ByteEncoding = 'text'): JsonRecord {
  const str = (b: Buffer | null): string | null => (b === null ? null : b.toString(encoding === 'base64' || encoding === 'hex' ? encoding : 'utf8'))
  return {
    topic,
    partition,
    offset: r.offset.toString(),
    timestamp: r.timestamp,
    key: str(r.key),
    value: str(r.value),
    headers: r.headers.map(([k, v]) => [k, str(v)]),
  }
}

/**
 * One output line (without the newline) for a record. Text is escaped (see escapeText) so a
 * record is always one line.
 */
export function formatRecord(topic: string, partition: number, r: KafkaRecord, opts: RecordFormatOptions): string {
  if (opts.format === 'json') return JSON.stringify(toJsonRecord(topic, partition, r, opts.encoding))
  const text = (b: Buffer | null) => (b === null ? (opts.nullText ?? '') : escapeText(b.toString('utf8')))
  if (!opts.printKey) return text(r.value)
  return `${text(r.key)}\t${text(r.value)}`
}

/** Left-aligned columns separated by two spaces; the first row is the header. */
export function formatTable(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n')
}

/** Bytes in B, KB, MB or GB (powers of 1024, one decimal above bytes). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(1)} ${units[i]}`
}

/** A count with thousands separators (1,234,567), locale-independent. */
export function formatCount(n: number | bigint): string {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** Per-second rate of `n` over `ms`, rounded; 0 when no time has passed. */
export function ratePerSecond(n: number, ms: number): number {
  return ms > 0 ? (n * 1000) / ms : 0
}

/** Elapsed time as `0.42 s`, `12.3 s` or `3m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
}

/** What `peridot produce` reports at the end. */
export interface ProduceSummary {
  topic: string
  records: number
  bytes: number
  elapsedMs: number
  /** Records per partition. */
  perPartition: ReadonlyMap<number, number>
}

/** The end-of-run report of `peridot produce`. */
export function formatProduceSummary(s: ProduceSummary): string {
  const rate = Math.round(ratePerSecond(s.records, s.elapsedMs))
  const mbs = (ratePerSecond(s.bytes, s.elapsedMs) / (1024 * 1024)).toFixed(2)
  const lines = [
    `produced ${formatCount(s.records)} records (${formatBytes(s.bytes)}) to ${s.topic} in ${formatDuration(s.elapsedMs)}: ${formatCount(rate)} records/s, ${mbs} MB/s`,
  ]
  for (const p of [...s.perPartition.keys()].sort((a, b) => a - b)) {
    lines.push(`  partition ${p}: ${formatCount(s.perPartition.get(p) ?? 0)}`)
  }
  return lines.join('\n')
}
