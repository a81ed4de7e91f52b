/**
 * The contract every API module in this folder implements.
 */
import type { Reader } from '../primitives/reader.js'
import type { Writer } from '../primitives/writer.js'

export interface ApiDefinition<Req, Res> {
  /** Kafka API key. */
  readonly apiKey: number
  /** Kafka's name for the API, e.g. `Produce`. */
  readonly name: string
  /** Lowest and highest versions this module can encode and decode. */
  readonly minVersion: number
  readonly maxVersion: number
  /** First flexible version (compact types, tagged fields); Infinity if none. */
  readonly firstFlexibleVersion: number
  /** Writes the request body (not the header) for `version`. */
  encodeRequest(w: Writer, version: number, request: Req): void
  /** Reads the response body (after the header) for `version`. */
  decodeResponse(r: Reader, version: number): Res
}

export type RequestOf<A> = A extends ApiDefinition<infer Req, unknown> ? Req : never
export type ResponseOf<A> = A extends ApiDefinition<unknown, infer Res> ? Res : never
