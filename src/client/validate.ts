/**
 * Checks of caller input, so bad records fail with a clear InvalidArgumentError naming the
 * record and field before anything is encoded, partitioned or sent.
 */
import { InvalidArgumentError } from '../protocol/errors.js'
import type { ProduceRecord } from '../protocol/records/index.js'

function isBytesOrNull(v: unknown): boolean {
  return v === null || v instanceof Uint8Array
}

function isPayload(v: unknown): boolean {
  return v === null || typeof v === 'string' || v instanceof Uint8Array
}

/** What a value is, for error messages ("an object", "a number 3", "undefined"). */
export function describeValue(v: unknown): string {
  if (v === null) return 'null'
  if (v === undefined) return 'undefined'
  if (Array.isArray(v)) return 'an array'
  if (v instanceof Uint8Array) return 'a Buffer'
  if (typeof v === 'object') return 'an object'
  if (typeof v === 'string') return `a string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${typeof v} ${String(v)}`
  return `a ${typeof v}`
}

/** Throws unless `name` is a legal Kafka topic name (1-249 characters of [a-zA-Z0-9._-], not '.' or '..'). */
export function checkTopicName(name: unknown, what = 'topic'): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 249 || !/^[a-zA-Z0-9._-]+$/.test(name) || name === '.' || name === '..') {
    throw new InvalidArgumentError(`invalid ${what} name ${typeof name === 'string' ? JSON.stringify(name) : describeValue(name)}: 1-249 characters of [a-zA-Z0-9._-]`)
  }
}

/** How errors name a record: "record" alone, or "record <index>" of a batch. */
function recordLabel(index: number | undefined): string {
  return index === undefined ? 'record' : `record ${index}`
}

/**
 * Checks the fields every produced record has (key, value, headers, timestamp); `index` names it
 * in errors (the label is built only for an error: this runs for every record sent).
 */
function checkRecordFields(r: ProduceRecord, index: number | undefined): void {
  if (r.key !== undefined && !isPayload(r.key)) throw new InvalidArgumentError(`${recordLabel(index)}: key must be a Buffer, a string or null (got ${describeValue(r.key)})`)
  if (!isPayload(r.value)) throw new InvalidArgumentError(`${recordLabel(index)}: value must be a Buffer, a string or null (got ${describeValue(r.value)})`)
  if (r.timestamp !== undefined && (typeof r.timestamp !== 'number' || !Number.isSafeInteger(r.timestamp) || r.timestamp < 0)) {
    throw new InvalidArgumentError(`${recordLabel(index)}: timestamp must be a non-negative integer of milliseconds (got ${describeValue(r.timestamp)})`)
  }
  const headers = r.headers as unknown
  if (headers === undefined || (Array.isArray(headers) && headers.length === 0)) return
  const at = recordLabel(index)
  if (!Array.isArray(headers)) {
    const hint = headers !== null && typeof headers === 'object' ? ' (an object: use Object.entries(headers) with Buffer values)' : ''
    throw new InvalidArgumentError(`${at}: headers must be an array of [name, value] pairs, got ${describeValue(headers)}${hint}`)
  }
  for (let h = 0; h < headers.length; h++) {
    const pair = headers[h] as unknown
    if (!Array.isArray(pair) || pair.length !== 2) throw new InvalidArgumentError(`${at}: header ${h} must be a [name, value] pair (got ${describeValue(pair)})`)
    if (typeof pair[0] !== 'string') throw new InvalidArgumentError(`${at}: header ${h} name must be a string (got ${describeValue(pair[0])})`)
    if (!isBytesOrNull(pair[1])) throw new InvalidArgumentError(`${at}: header ${h} ('${pair[0]}') value must be a Buffer or null (got ${describeValue(pair[1])})`)
  }
}

function checkIsObject(r: unknown, at: string): asserts r is Record<string, unknown> {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new InvalidArgumentError(`${at} must be an object (got ${describeValue(r)})`)
}

/** Throws InvalidArgumentError naming the first bad record and field. */
export function validateProduceRecords(records: readonly ProduceRecord[]): void {
  if (!Array.isArray(records)) throw new InvalidArgumentError(`records must be an array (got ${describeValue(records)})`)
  for (let i = 0; i < records.length; i++) {
    const r: unknown = records[i]
    checkIsObject(r, `record ${i}`)
    checkRecordFields(r as unknown as ProduceRecord, i)
  }
}

/** The topic name of the last record that passed {@link validateTopicRecord}. */
let lastValidTopic: string | undefined
/** Topic names that passed {@link validateTopicRecord} lately (a few; cleared when it grows). */
const validTopics = new Set<string>()

/** A record of a keyed producer: a ProduceRecord with its topic and an optional partition. */
export interface TopicRecord extends ProduceRecord {
  topic: string
  partition?: number
}

/**
 * Checks a record given to `Producer.send` / `sendBatch` (topic, partition, key, value, headers,
 * timestamp). `index` names the record of a batch in errors.
 */
export function validateTopicRecord(r: unknown, index?: number): asserts r is TopicRecord {
  if (r === null || typeof r !== 'object' || Array.isArray(r)) checkIsObject(r, recordLabel(index))
  const rec = r as Record<string, unknown>
  // Records mostly go to a few topics (a streams task: its output and changelogs), checked before.
  const topic = rec.topic
  if (typeof topic !== 'string' || (topic !== lastValidTopic && !validTopics.has(topic))) {
    checkTopicName(topic, `${recordLabel(index)}: topic`)
    if (validTopics.size >= 64) validTopics.clear()
    validTopics.add(topic)
  }
  lastValidTopic = topic
  const partition = rec.partition
  if (partition !== undefined && (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0)) {
    throw new InvalidArgumentError(`${recordLabel(index)}: partition must be a non-negative integer (got ${describeValue(partition)})`)
  }
  checkRecordFields(rec as unknown as ProduceRecord, index)
}
