/**
 * The wire format of remote interactive queries: JSON over HTTP (`POST /v1/query`). Keys and
 * values travel as the bytes the store's serdes wrote, so any serde works: as `{ json }` when
 * the bytes are exactly the compact JSON text of a value (what the JSON serde writes), as
 * `{ text }` when they are other printable UTF-8 text (a string serde's), else as `{ base64 }`:
 * readable with curl, and decoding gives back the same bytes in every case.
 */
import { QueryRequestError } from './query-errors.js'

/** Bytes on the wire: `{ json: value }` (the bytes are that value's compact JSON text), `{ text }` (UTF-8 text) or `{ base64 }`. */
export type WireBytes = { json: unknown } | { text: string } | { base64: string }

/** The path the query server answers on. */
export const QUERY_PATH = '/v1/query'

/** Encodes `bytes`: as JSON when they round-trip through JSON.parse / JSON.stringify unchanged, else as text when they are printable UTF-8. */
export function encodeBytes(bytes: Buffer): WireBytes {
  // Only text that starts like a JSON value is tried (most binary keys fail fast here).
  const first = bytes[0]
  if (first !== undefined && (first === 0x7b || first === 0x5b || first === 0x22 || first === 0x2d || (first >= 0x30 && first <= 0x39) || first === 0x74 || first === 0x66 || first === 0x6e)) {
    const text = bytes.toString('utf8')
    try {
      const value: unknown = JSON.parse(text)
      if (JSON.stringify(value) === text && Buffer.from(text, 'utf8').equals(bytes)) return { json: value }
    } catch {
      // not JSON: base64 below
    }
  }
  const text = bytes.toString('utf8')
  // Printable text only (no control characters), and only when it re-encodes to the same bytes.
  if (bytes.length > 0 && !/[\u0000-\u001f\u007f\ufffd]/.test(text) && Buffer.from(text, 'utf8').equals(bytes)) return { text }
  return { base64: bytes.toString('base64') }
}

/** Decodes wire bytes of request or response field `field` (QueryRequestError when malformed). */
export function decodeBytes(wire: unknown, field: string): Buffer {
  if (typeof wire === 'object' && wire !== null) {
    if ('base64' in wire && typeof wire.base64 === 'string') return Buffer.from(wire.base64, 'base64')
    if ('text' in wire && typeof wire.text === 'string') return Buffer.from(wire.text, 'utf8')
    if ('json' in wire) {
      const text = JSON.stringify(wire.json)
      if (text !== undefined) return Buffer.from(text, 'utf8')
    }
  }
  throw new QueryRequestError(`${field} must be { json: value }, { text: string } or { base64: string }`)
}

/** A query as the server evaluates it (bytes decoded). */
export type QueryRequest =
  /** The value of one key. */
  | { op: 'get'; store: string; key: Buffer; stale: boolean }
  /**
   * Entries with keys from `from` to `to` (inclusive; null: unbounded on that side) in the
   * tasks of `partitions` (undefined: every task of the store this instance runs).
   */
  | { op: 'range'; store: string; from: Buffer | null; to: Buffer | null; partitions: number[] | undefined; stale: boolean }
  /** The windows of one key that start from `timeFrom` to `timeTo` (inclusive). */
  | { op: 'windowFetch'; store: string; key: Buffer; timeFrom: number; timeTo: number; stale: boolean }

/** A successful answer as bytes. */
export type QueryAnswer =
  | { op: 'get'; value: Buffer | null }
  | { op: 'range'; entries: Array<{ key: Buffer; value: Buffer }> }
  | { op: 'windowFetch'; windows: Array<{ start: number; value: Buffer }> }

/** Why a query server refused a query, with the HTTP status it answers with. */
export type QueryErrorCode = 'bad-request' | 'unknown-store' | 'not-hosted' | 'rebalancing'

/** HTTP status of each {@link QueryErrorCode}. */
export const QUERY_ERROR_STATUS: Readonly<Record<QueryErrorCode, number>> = {
  'bad-request': 400,
  'unknown-store': 404,
  'not-hosted': 404,
  rebalancing: 503,
}

/** The JSON body of a refused query. */
export interface QueryErrorBody {
  error: QueryErrorCode
  message: string
}

/** The JSON text of a request. */
export function encodeRequest(req: QueryRequest): string {
  const base = { op: req.op, store: req.store, stale: req.stale }
  switch (req.op) {
    case 'get':
      return JSON.stringify({ ...base, key: encodeBytes(req.key) })
    case 'range':
      return JSON.stringify({
        ...base,
        from: req.from === null ? null : encodeBytes(req.from),
        to: req.to === null ? null : encodeBytes(req.to),
        ...(req.partitions === undefined ? {} : { partitions: req.partitions }),
      })
    case 'windowFetch':
      return JSON.stringify({ ...base, key: encodeBytes(req.key), timeFrom: req.timeFrom, timeTo: req.timeTo })
  }
}

const isTime = (t: unknown): t is number => typeof t === 'number' && Number.isSafeInteger(t)

/** Parses and checks a request body (QueryRequestError naming the bad field). */
export function decodeRequest(text: string): QueryRequest {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (err) {
    throw new QueryRequestError(`the request body is not JSON: ${(err as Error).message}`)
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new QueryRequestError('the request body must be a JSON object')
  const b = body as Record<string, unknown>
  if (typeof b.store !== 'string' || b.store.length === 0) throw new QueryRequestError('store must be a non-empty string')
  if (b.stale !== undefined && typeof b.stale !== 'boolean') throw new QueryRequestError('stale must be a boolean')
  const store = b.store
  const stale = b.stale === true
  switch (b.op) {
    case 'get':
      return { op: 'get', store, key: decodeBytes(b.key, 'key'), stale }
    case 'range': {
      const partitions = b.partitions
      if (partitions !== undefined && !(Array.isArray(partitions) && partitions.every((p) => Number.isSafeInteger(p) && (p as number) >= 0))) {
        throw new QueryRequestError('partitions must be an array of partition numbers')
      }
      return {
        op: 'range',
        store,
        from: b.from == null ? null : decodeBytes(b.from, 'from'),
        to: b.to == null ? null : decodeBytes(b.to, 'to'),
        partitions: partitions as number[] | undefined,
        stale,
      }
    }
    case 'windowFetch':
      if (!isTime(b.timeFrom) || !isTime(b.timeTo)) throw new QueryRequestError('timeFrom and timeTo must be integer timestamps (ms)')
      return { op: 'windowFetch', store, key: decodeBytes(b.key, 'key'), timeFrom: b.timeFrom, timeTo: b.timeTo, stale }
    default:
      throw new QueryRequestError(`op must be 'get', 'range' or 'windowFetch', got ${JSON.stringify(b.op)}`)
  }
}

/** The JSON text of an answer. */
export function encodeAnswer(answer: QueryAnswer): string {
  switch (answer.op) {
    case 'get':
      return JSON.stringify({ op: 'get', value: answer.value === null ? null : encodeBytes(answer.value) })
    case 'range':
      return JSON.stringify({ op: 'range', entries: answer.entries.map((e) => ({ key: encodeBytes(e.key), value: encodeBytes(e.value) })) })
    case 'windowFetch':
      return JSON.stringify({ op: 'windowFetch', windows: answer.windows.map((w) => ({ start: w.start, value: encodeBytes(w.value) })) })
  }
}

/** Parses an answer to a request of `op` (QueryRequestError when it does not fit). */
export function decodeAnswer(op: QueryRequest['op'], text: string): QueryAnswer {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (err) {
    throw new QueryRequestError(`the query server's answer is not JSON: ${(err as Error).message}`)
  }
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
  if (b.op !== op) throw new QueryRequestError(`the query server answered op ${JSON.stringify(b.op)} to a '${op}' query`)
  switch (op) {
    case 'get':
      return { op, value: b.value == null ? null : decodeBytes(b.value, 'value') }
    case 'range':
      if (!Array.isArray(b.entries)) throw new QueryRequestError('a range answer needs entries')
      return { op, entries: b.entries.map((e: { key?: unknown; value?: unknown }, i) => ({ key: decodeBytes(e?.key, `entries[${i}].key`), value: decodeBytes(e?.value, `entries[${i}].value`) })) }
    case 'windowFetch':
      if (!Array.isArray(b.windows)) throw new QueryRequestError('a window answer needs windows')
      return {
        op,
        windows: b.windows.map((w: { start?: unknown; value?: unknown }, i) => {
          if (!isTime(w?.start)) throw new QueryRequestError(`windows[${i}].start must be an integer timestamp`)
          return { start: w.start, value: decodeBytes(w.value, `windows[${i}].value`) }
        }),
      }
  }
}
