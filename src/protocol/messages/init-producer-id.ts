/*
 * InitProducerId (API key 22), versions 0..5, flexible from 2.
 *
 * Request  => transactional_id(nullable) transaction_timeout_ms
 *             producer_id(v3+) producer_epoch(v3+)
 * Response => throttle_time_ms error_code producer_id producer_epoch
 *
 * v3 lets a producer ask to keep its id after INVALID_PRODUCER_EPOCH (KIP-360); v4 and v5 only
 * add error codes (PRODUCER_FENCED, TRANSACTION_ABORTABLE) the producer must handle.
 */
import { InvalidArgumentError } from '../errors.js'
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readTags, writeNullableString, writeTags } from './flexible.js'

/** InitProducerId request body. */
export interface InitProducerIdRequest {
  /** Transactional id, or null for an idempotent-only producer. */
  transactionalId: string | null
  /** Transaction timeout the coordinator enforces (ignored without a transactional id). */
  transactionTimeoutMs: number
  /** Current producer id to resume (v3+); -1 (the default) for a new one. */
  producerId?: bigint
  /** Current epoch to resume (v3+); -1 (the default) for a new one. */
  producerEpoch?: number
}

/** InitProducerId response body. */
export interface InitProducerIdResponse {
  throttleTimeMs: number
  errorCode: number
  /** Assigned producer id, -1 on error. */
  producerId: bigint
  /** Assigned epoch, -1 on error. */
  producerEpoch: number
}

/** InitProducerId codec. */
export const InitProducerId: ApiDefinition<InitProducerIdRequest, InitProducerIdResponse> = {
  apiKey: 22,
  name: 'InitProducerId',
  minVersion: 0,
  maxVersion: 5,
  firstFlexibleVersion: 2,

  encodeRequest(w: Writer, version: number, req: InitProducerIdRequest): void {
    checkVersion(InitProducerId, version)
    const flex = version >= 2
    const producerId = req.producerId ?? -1n
    const producerEpoch = req.producerEpoch ?? -1
    // Dropping the id before v3 would silently fence ourselves with a new id instead of
    // resuming, so the caller must decide (the Java client refuses too).
    if (version < 3 && (producerId !== -1n || producerEpoch !== -1)) {
      throw new InvalidArgumentError(`InitProducerId v${version} cannot resume an existing producer id (needs v3+)`)
    }
    writeNullableString(w, flex, req.transactionalId)
    w.int32(req.transactionTimeoutMs)
    if (version >= 3) {
      w.int64(producerId)
      w.int16(producerEpoch)
    }
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): InitProducerIdResponse {
    checkVersion(InitProducerId, version)
    const flex = version >= 2
    const throttleTimeMs = r.int32()
    const errorCode = r.int16()
    const producerId = r.int64()
    const producerEpoch = r.int16()
    readTags(r, flex)
    return { throttleTimeMs, errorCode, producerId, producerEpoch }
  },
}
