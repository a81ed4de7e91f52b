/*
 * SaslHandshake (API key 17), versions 0..1, never flexible.
 *
 * Request  => mechanism
 * Response => error_code [mechanisms]
 *
 * v0 sends the SASL tokens as raw frames after the handshake; v1 wraps them in
 * SaslAuthenticate requests, which is the only form Peridot speaks (v0 is deprecated).
 * The spec notes the version cannot be bumped (KAFKA-9577), so 1 is final.
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readString, writeString } from './flexible.js'

/** SaslHandshake request body. */
export interface SaslHandshakeRequest {
  /** SASL mechanism, e.g. `PLAIN`, `SCRAM-SHA-256`. */
  mechanism: string
}

/** SaslHandshake response body. */
export interface SaslHandshakeResponse {
  /** UNSUPPORTED_SASL_MECHANISM when `mechanism` is not enabled. */
  errorCode: number
  /** Mechanisms the broker has enabled. */
  mechanisms: string[]
}

/** SaslHandshake codec. */
export const SaslHandshake: ApiDefinition<SaslHandshakeRequest, SaslHandshakeResponse> = {
  apiKey: 17,
  name: 'SaslHandshake',
  minVersion: 0,
  maxVersion: 1,
  firstFlexibleVersion: Number.POSITIVE_INFINITY,

  encodeRequest(w: Writer, version: number, req: SaslHandshakeRequest): void {
    checkVersion(SaslHandshake, version)
    writeString(w, false, req.mechanism)
  },

  decodeResponse(r: Reader, version: number): SaslHandshakeResponse {
    checkVersion(SaslHandshake, version)
    const errorCode = r.int16()
    const mechanisms = readArray(r, false, () => readString(r, false))
    return { errorCode, mechanisms }
  },
}
