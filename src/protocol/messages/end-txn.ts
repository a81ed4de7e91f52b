/*
 * EndTxn (API key 26), versions 0..4, flexible from 3.
 *
 * Request  => transactional_id producer_id producer_epoch committed
 * Response => throttle_time_ms error_code
 *
 * maxVersion is 4, not the spec's 5: v5 (KIP-890 part 2, marked unstable in the spec) is how
 * a client opts into transaction version 2, where the coordinator bumps the epoch on every
 * transaction and the producer must adopt the producer_id/producer_epoch the v5 response
 * returns. Raise it only together with a producer that implements that.
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readTags, writeString, writeTags } from './flexible.js'

/** EndTxn request body. */
export interface EndTxnRequest {
  transactionalId: string
  producerId: bigint
  producerEpoch: number
  /** True to commit, false to abort. */
  committed: boolean
}

/** EndTxn response body. */
export interface EndTxnResponse {
  throttleTimeMs: number
  errorCode: number
}

/** EndTxn codec. */
export const EndTxn: ApiDefinition<EndTxnRequest, EndTxnResponse> = {
  apiKey: 26,
  name: 'EndTxn',
  minVersion: 0,
  maxVersion: 4,
  firstFlexibleVersion: 3,

  encodeRequest(w: Writer, version: number, req: EndTxnRequest): void {
    checkVersion(EndTxn, version)
    const flex = version >= 3
    writeString(w, flex, req.transactionalId)
    w.int64(req.producerId)
    w.int16(req.producerEpoch)
    w.boolean(req.committed)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): EndTxnResponse {
    checkVersion(EndTxn, version)
    const flex = version >= 3
    const res = { throttleTimeMs: r.int32(), errorCode: r.int16() }
    readTags(r, flex)
    return res
  },
}
