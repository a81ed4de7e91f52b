/*
 * DescribeUserScramCredentials (API key 50), version 0, flexible (KIP-554).
 *
 * Request  => [users](nullable: every user) users => name
 * Response => throttle_time_ms error_code error_message(nullable) [results]
 *   results          => user error_code error_message(nullable) [credential_infos]
 *   credential_infos => mechanism:int8 iterations:int32
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'
import type { ApiDefinition } from './api.js'
import { checkVersion, readArray, readNullableString, readString, readTags, writeArray, writeString, writeTags } from './flexible.js'

/** `mechanism` codes (Java's `ScramMechanism`). */
export const ScramMechanismCode = { UNKNOWN: 0, 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 } as const

/** DescribeUserScramCredentials request body. */
export interface DescribeUserScramCredentialsRequest {
  /** Users to describe, or null for every user with a credential. */
  users: Array<{ name: string }> | null
}

/** A user's credential for one mechanism. */
export interface ScramCredentialInfo {
  mechanism: number
  iterations: number
}

/** One user's credentials. */
export interface DescribeUserScramCredentialsResult {
  user: string
  /** 0, or e.g. RESOURCE_NOT_FOUND (no credential) or DUPLICATE_RESOURCE (user asked twice). */
  errorCode: number
  errorMessage: string | null
  credentialInfos: ScramCredentialInfo[]
}

/** DescribeUserScramCredentials response body. */
export interface DescribeUserScramCredentialsResponse {
  throttleTimeMs: number
  errorCode: number
  errorMessage: string | null
  results: DescribeUserScramCredentialsResult[]
}

/** DescribeUserScramCredentials codec. */
export const DescribeUserScramCredentials: ApiDefinition<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse> = {
  apiKey: 50,
  name: 'DescribeUserScramCredentials',
  minVersion: 0,
  maxVersion: 0,
  firstFlexibleVersion: 0,

  encodeRequest(w: Writer, version: number, req: DescribeUserScramCredentialsRequest): void {
    checkVersion(DescribeUserScramCredentials, version)
    writeArray(w, true, req.users, (u) => {
      writeString(w, true, u.name)
      writeTags(w, true)
    })
    writeTags(w, true)
  },

  decodeResponse(r: Reader, version: number): DescribeUserScramCredentialsResponse {
    checkVersion(DescribeUserScramCredentials, version)
    const throttleTimeMs = r.int32()
    const errorCode = r.int16()
    const errorMessage = readNullableString(r, true)
    const results = readArray(r, true, (): DescribeUserScramCredentialsResult => {
      const user = readString(r, true)
      const code = r.int16()
      const message = readNullableString(r, true)
      const credentialInfos = readArray(r, true, (): ScramCredentialInfo => {
        const info = { mechanism: r.int8(), iterations: r.int32() }
        readTags(r, true)
        return info
      })
      readTags(r, true)
      return { user, errorCode: code, errorMessage: message, credentialInfos }
    })
    readTags(r, true)
    return { throttleTimeMs, errorCode, errorMessage, results }
  },
}
