/**
 * Checks of producer options before anything is built: an option that cannot work is refused
 * with an InvalidArgumentError naming it, instead of failing later (or never) at run time.
 */
import { InvalidArgumentError } from '../../protocol/errors.js'
import { COMPRESSION_CODEC_IDS } from '../../protocol/records/index.js'
import { describeValue } from '../validate.js'

/** Numeric options: name and whether 0 is allowed. */
const NON_NEGATIVE = ['lingerMs', 'timeoutMs', 'retries', 'maxBlockMs', 'closeTimeoutMs'] as const
const POSITIVE = ['maxBatchBytes', 'maxBufferedBytes', 'maxInFlight', 'deliveryTimeoutMs', 'maxRequestBytes', 'maxRequestSize', 'transactionTimeoutMs'] as const

/** The producer options this module checks (a superset of every producer kind's options). */
export interface CheckedProducerOptions {
  lingerMs?: number
  maxBatchBytes?: number
  maxBufferedBytes?: number
  maxInFlight?: number
  compression?: string
  acks?: number
  timeoutMs?: number
  retries?: number
  deliveryTimeoutMs?: number
  maxRequestBytes?: number
  maxRequestSize?: number
  idempotent?: boolean
  partitioner?: unknown
  transactionalId?: string
  transactionTimeoutMs?: number
  maxBlockMs?: number
  closeTimeoutMs?: number
}

/** Throws InvalidArgumentError naming the option unless `v` is an integer >= 0 (> 0 when `positive`). */
export function checkCount(name: string, v: unknown, positive: boolean): void {
  if (v === undefined) return
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || (positive && v === 0)) {
    throw new InvalidArgumentError(`${name} must be a ${positive ? 'positive' : 'non-negative'} integer, got ${describeValue(v)}`)
  }
}

/** Throws unless `codec` is a compression codec name ('none', 'gzip', 'snappy', 'lz4', 'zstd'). */
export function checkCompression(codec: unknown, name = 'compression'): void {
  if (codec === undefined) return
  if (typeof codec !== 'string' || !Object.hasOwn(COMPRESSION_CODEC_IDS, codec)) {
    throw new InvalidArgumentError(`${name} must be one of ${Object.keys(COMPRESSION_CODEC_IDS).join(', ')}, got ${describeValue(codec)}`)
  }
}

/**
 * Checks a producer's options. `requestTimeoutMs` is the client's: a produce request waits at
 * most `requestTimeoutMs + timeoutMs`, and as in the Java client (delivery.timeout.ms >=
 * linger.ms + request.timeout.ms) a delivery timeout shorter than one linger plus one request
 * could expire records that were never given a chance to be sent.
 */
export function checkProducerOptions(options: unknown, requestTimeoutMs: number): void {
  if (options === undefined) return
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new InvalidArgumentError(`producer options must be an object, got ${describeValue(options)}`)
  const o = options as CheckedProducerOptions
  for (const name of NON_NEGATIVE) checkCount(name, o[name], false)
  for (const name of POSITIVE) checkCount(name, o[name], true)
  checkCompression(o.compression)
  if (o.acks !== undefined && o.acks !== -1 && o.acks !== 1) throw new InvalidArgumentError(`acks must be -1 or 1, got ${describeValue(o.acks)}`)
  if (o.idempotent !== undefined && typeof o.idempotent !== 'boolean') throw new InvalidArgumentError(`idempotent must be a boolean, got ${describeValue(o.idempotent)}`)
  if (o.partitioner !== undefined && typeof o.partitioner !== 'function') throw new InvalidArgumentError(`partitioner must be a function, got ${describeValue(o.partitioner)}`)
  if (o.transactionalId !== undefined && (typeof o.transactionalId !== 'string' || o.transactionalId.length === 0)) {
    throw new InvalidArgumentError(`transactionalId must be a non-empty string, got ${describeValue(o.transactionalId)}`)
  }
  if (o.deliveryTimeoutMs !== undefined) {
    const linger = o.lingerMs ?? 5
    const request = requestTimeoutMs + (o.timeoutMs ?? 30_000)
    if (o.deliveryTimeoutMs < linger + request) {
      throw new InvalidArgumentError(
        `deliveryTimeoutMs (${o.deliveryTimeoutMs}) must be at least lingerMs + the request timeout (${linger} + ${request} ms: the client's requestTimeoutMs ${requestTimeoutMs} plus the producer's timeoutMs ${o.timeoutMs ?? 30_000})`,
      )
    }
  }
}
