/**
 * Typed errors of the protocol layer, and the table of every Kafka error code.
 */

/** Base class of every error Peridot throws on purpose. */
export class PeridotError extends Error {
  override name = 'PeridotError'
}

/** Bytes that do not decode: truncated, absurd lengths, bad CRC, unknown magic. */
export class DecodeError extends PeridotError {
  override name = 'DecodeError'
}

/** A record batch whose CRC32C does not match its contents. */
export class CorruptRecordError extends DecodeError {
  override name = 'CorruptRecordError'
}

/** Input from the caller that cannot be encoded (out-of-range values, bad options). */
export class InvalidArgumentError extends PeridotError {
  override name = 'InvalidArgumentError'
}

/** Description of one Kafka error code. */
export interface KafkaErrorInfo {
  code: number
  /** Upper snake-case name as in Kafka, e.g. `NOT_LEADER_OR_FOLLOWER`. */
  name: string
  retriable: boolean
  message: string
}

// The table is filled in error-codes.ts, which imports nothing.
import { KAFKA_ERROR_TABLE } from './error-codes.js'

const byCode = new Map<number, KafkaErrorInfo>()
for (const e of KAFKA_ERROR_TABLE) byCode.set(e.code, e)

/** Looks up an error code; unknown codes map to UNKNOWN_SERVER_ERROR (as the Java client does). */
export function kafkaErrorInfo(code: number): KafkaErrorInfo {
  const info = byCode.get(code)
  if (info) return info
  const unknown = byCode.get(-1)!
  return { ...unknown, message: `${unknown.message} (unrecognised error code ${code})` }
}

/** An error code returned by the broker. */
export class KafkaProtocolError extends PeridotError {
  override name = 'KafkaProtocolError'
  readonly code: number
  readonly type: string
  readonly retriable: boolean

  constructor(code: number, detail?: string | null) {
    const info = kafkaErrorInfo(code)
    super(`${info.name}: ${detail ? `${detail} (${info.message})` : info.message}`)
    this.code = code
    this.type = info.name
    this.retriable = info.retriable
  }
}

/** Throws a KafkaProtocolError for a non-zero code. */
export function throwIfError(code: number, detail?: string | null): void {
  if (code !== 0) throw new KafkaProtocolError(code, detail)
}
