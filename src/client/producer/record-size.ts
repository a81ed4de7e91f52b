/**
 * The size of a record as the producers count it: for batching, for the memory budget, and
 * for the largest record they accept (Java's max.request.size and buffer.memory checks).
 */
import { ErrorCode } from '../../protocol/error-codes.js'
import { KafkaProtocolError } from '../../protocol/errors.js'
import { RECORD_BATCH_OVERHEAD, type ProduceRecord } from '../../protocol/records/index.js'
import { RecordTooLargeError } from './errors.js'

/** Bytes of a key or value on the wire: a string counts its UTF-8 bytes (up to 3 per UTF-16 unit), not its length. */
function payloadBytes(v: Buffer | string | null | undefined): number {
  if (v === null || v === undefined) return 0
  return typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length
}

/** Approximate wire size of a record, for batching and memory accounting. */
export function estimateRecordSize(r: ProduceRecord): number {
  let n = 24 + payloadBytes(r.key) + payloadBytes(r.value)
  if (r.headers) for (const [k, v] of r.headers) n += 8 + Buffer.byteLength(k, 'utf8') + (v?.length ?? 0)
  return n
}

/** True when a record of `size` estimated bytes can be sent: {@link recordSizeRefusal} is undefined. */
export function recordFits(size: number, maxRequestSize: number, maxBufferedBytes: number): boolean {
  return size + RECORD_BATCH_OVERHEAD <= maxRequestSize && size <= maxBufferedBytes
}

/**
 * Why a record of `size` estimated bytes can never be sent, if so: larger than `maxRequestSize`
 * once serialized with its batch header, or than the whole buffer. `what` names the record.
 */
export function recordSizeRefusal(size: number, what: string, maxRequestSize: number, maxBufferedBytes: number): RecordTooLargeError | undefined {
  const serialized = size + RECORD_BATCH_OVERHEAD
  if (serialized > maxRequestSize) {
    return new RecordTooLargeError(`${what} is ${serialized} bytes when serialized, larger than maxRequestSize (${maxRequestSize} bytes)`)
  }
  if (size > maxBufferedBytes) {
    return new RecordTooLargeError(`${what} is ${size} bytes, larger than the producer's whole buffer, maxBufferedBytes (${maxBufferedBytes} bytes)`)
  }
  return undefined
}

/**
 * The broker's answer that a batch is too large (MESSAGE_TOO_LARGE: above the topic's
 * `max.message.bytes`; RECORD_LIST_TOO_LARGE: above its segment size) as a
 * {@link RecordTooLargeError}, which no producer retries; any other error unchanged.
 */
export function brokerSizeError(err: Error, batchBytes: number, records: number): Error {
  if (!(err instanceof KafkaProtocolError)) return err
  if (err.code !== ErrorCode.MESSAGE_TOO_LARGE && err.code !== ErrorCode.RECORD_LIST_TOO_LARGE) return err
  return new RecordTooLargeError(`the broker refused a batch of ${batchBytes} bytes (${records} records) as too large: ${err.message}`, { cause: err })
}
