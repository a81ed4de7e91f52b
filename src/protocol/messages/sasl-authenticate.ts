/*
 * SaslAuthenticate (API key 36), versions 0..2, flexible from 2.
 *
 * Request  => auth_bytes
 * Response => error_code error_message(nullable) auth_bytes session_lifetime_ms(v1+)
 *
 * The auth bytes carry credentials (a PLAIN password, SCRAM proofs): nothing here ever
 * formats them into a message. Decode errors only name lengths and offsets.
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readNullableString, readTags, writeTags } from './flexible.js'

/** SaslAuthenticate request body. */
export interface SaslAuthenticateRequest {
  /** The mechanism's next client message (sensitive). */
  authBytes: Uint8Array
}

/** SaslAuthenticate response body. */
export interface SaslAuthenticateResponse {
  /** SASL_AUTHENTICATION_FAILED and friends; 0 on success. */
  errorCode: number
  errorMessage: string | null
  /** The mechanism's next server message (a zero-copy view of the response). */
  authBytes: Buffer
  /** Milliseconds until the broker expires the session (v1+), 0 for no expiry (KIP-368). */
  sessionLifetimeMs: bigint
}

/** SaslAuthenticate codec. */
export const SaslAuthenticate: ApiDefinition<SaslAuthenticateRequest, SaslAuthenticateResponse> = {
  apiKey: 36,
  name: 'SaslAuthenticate',
  minVersion: 0,
  maxVersion: 2,
  firstFlexibleVersion: 2,

  encodeRequest(w: Writer, version: number, req: SaslAuthenticateRequest): void {
    checkVersion(SaslAuthenticate, version)
    const flex = version >= 2
    if (flex) w.compactBytes(req.authBytes)
    else w.bytes(req.authBytes)
    writeTags(w, flex)
  },

  decodeResponse(r: Reader, version: number): SaslAuthenticateResponse {
    checkVersion(SaslAuthenticate, version)
    const flex = version >= 2
    const errorCode = r.int16()
    const errorMessage = readNullableString(r, flex)
    const authBytes = flex ? r.compactBytes() : r.bytes()
    const sessionLifetimeMs = version >= 1 ? r.int64() : 0n
    readTags(r, flex)
    return { errorCode, errorMessage, authBytes, sessionLifetimeMs }
  },
}
