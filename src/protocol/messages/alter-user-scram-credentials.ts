/*
 * AlterUserScramCredentials (API key 51), version 0, flexible (KIP-554).
 *
 * Request  => [deletions] [upsertions]
 *   deletions  => name mechanism:int8
 *   upsertions => name mechanism:int8 iterations:int32 salt:bytes salted_password:bytes
 * Response => throttle_time_ms [results]
 *   results => user error_code error_message(nullable)
 * The client salts and hashes the password itself (the broker never sees it).
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readNullableString, readString, readTags, writeArray, writeBytes, writeString, writeTags } from './flexible.js'

/** A credential to remove. */
export interface ScramCredentialDeletion {
  name: string
  mechanism: number
}

/** A credential to create or replace. */
export interface ScramCredentialUpsertion {
  name: string
  mechanism: number
  iterations: number
  salt: Uint8Array
  /** Hi(password, salt, iterations) of RFC 5802. */
  saltedPassword: Uint8Array
}

/** AlterUserScramCredentials request body. */
export interface AlterUserScramCredentialsRequest {
  deletions: ScramCredentialDeletion[]
  upsertions: ScramCredentialUpsertion[]
}

/** Outcome for one user. */
export interface AlterUserScramCredentialsResult {
  user: string
  errorCode: number
  errorMessage: string | null
}

/** AlterUserScramCredentials response body. */
export interface AlterUserScramCredentialsResponse {
  throttleTimeMs: number
  results: AlterUserScramCredentialsResult[]
}

/** AlterUserScramCredentials codec. */
export const AlterUserScramCredentials: ApiDefinition<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse> = {
  apiKey: 51,
  name: 'AlterUserScramCredentials',
  minVersion: 0,
  maxVersion: 0,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: AlterUserScramCredentialsRequest): void {
    checkVersion(AlterUserScramCredentials, version)
    writeArray(w, true, req.deletions, (d) => {
      writeString(w, true, d.name)
      w.int8(d.mechanism)
      writeTags(w, true)
    })
    writeArray(w, true, req.upsertions, (u) => {
      writeString(w, true, u.name)
      w.int8(u.mechanism)
      w.int32(u.iterations)
      writeBytes(w, true, u.salt)
      writeBytes(w, true, u.saltedPassword)
      writeTags(w, true)
    })
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): AlterUserScramCredentialsResponse {
    checkVersion(AlterUserScramCredentials, version)
    const throttleTimeMs = r.int32()
    const results = readArray(r, true, (): AlterUserScramCredentialsResult => {
      const user = readString(r, true)
      const errorCode = r.int16()
      const errorMessage = readNullableString(r, true)
      readTags(r, true)
      return { user, errorCode, errorMessage }
    })
    readTags(r, true)
    return { throttleTimeMs, results }
  },
}
