/*
 * AddOffsetsToTxn (API key 25), versions 0..4, flexible from 3.
 *
 * Request  => transactional_id producer_id producer_epoch group_id
 * Response => throttle_time_ms error_code
 *
 * v2 and v4 only add error codes (PRODUCER_FENCED, TRANSACTION_ABORTABLE).
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readTags, writeString, writeTags } from './flexible.js'

/** AddOffsetsToTxn request body: adds a consumer group's offsets to the transaction. */
export interface AddOffsetsToTxnRequest {
  transactionalId: string
  producerId: bigint
  producerEpoch: number
  /** The consumer group whose offsets the transaction will commit. */
  groupId: string
}

/** AddOffsetsToTxn response body. */
export interface AddOffsetsToTxnResponse {
  throttleTimeMs: number
  errorCode: number
}

/** AddOffsetsToTxn codec. */
export const AddOffsetsToTxn: ApiDefinition<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> = {
  apiKey: 25,
  name: 'AddOffsetsToTxn',
  minVersion: 0,
  maxVersion: 4,
  firstFlexibleVersion: 3,

  encodeRequest(w: Writer, version: number, req: AddOffsetsToTxnRequest): void {
    checkVersion(AddOffsetsToTxn, version)
    const flex = version >= 3
    writeString(w, flex, req.transactionalId)
    w.int64(req.producerId)
    w.int16(req.producerEpoch)
    writeString(w, flex, req.groupId)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): AddOffsetsToTxnResponse {
    checkVersion(AddOffsetsToTxn, version)
    const flex = version >= 3
    const res = { throttleTimeMs: r.int32(), errorCode: r.int16() }
    readTags(r, flex)
    return res
  },
}
