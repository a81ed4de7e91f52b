/*
 * EndTxn (API key 26), versions 0..5, flexible from 3.
 *
 * Request  => transactional_id producer_id producer_epoch committed
 * Response => throttle_time_ms error_code producer_id(v5+) producer_epoch(v5+)
 *
 * v5 is transaction version 2 (KIP-890 part 2, Kafka 4.0+): the coordinator bumps the epoch
 * when a transaction ends and returns the producer id and epoch the producer must use next
 * (a new id with epoch 0 once the epoch is exhausted). A producer of transaction version 1
 * must stay at v4 (see TransactionManager).
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
  /** v5+: the producer id to use from now on (-1n below v5). */
  producerId: bigint
  /** v5+: the epoch to use from now on (-1 below v5). */
  producerEpoch: number
}

/** EndTxn codec. */
export const EndTxn: ApiDefinition<EndTxnRequest, EndTxnResponse> = {
  apiKey: 26,
  name: 'EndTxn',
  minVersion: 0,
  maxVersion: 5,
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
    const res: EndTxnResponse = { throttleTimeMs: r.int32(), errorCode: r.int16(), producerId: -1n, producerEpoch: -1 }
    if (version >= 5) {
      res.producerId = r.int64()
      res.producerEpoch = r.int16()
    }
    readTags(r, flex)
    return res
  },
}
