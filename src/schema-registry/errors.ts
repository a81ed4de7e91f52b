/**
 * Typed errors of the Schema Registry client and serdes. All extend PeridotError.
 */
import { PeridotError } from '../protocol/errors.js'
import { SerializationError } from '../streams/errors.js'

/**
 * The registry answered with an error (HTTP status >= 400), or could not be reached after the
 * retries. `status` is the HTTP status (0 when no answer came), `errorCode` the registry's
 * `error_code` (e.g. 40401 subject not found, 40403 schema not found, 409 incompatible schema,
 * 42201 invalid schema; 0 when the answer had none).
 */
export class RegistryError extends PeridotError {
  override name = 'RegistryError'
  /** HTTP status of the answer; 0 for a network error or a timeout. */
  readonly status: number
  /** The registry's `error_code`, or 0 when the answer carried none. */
  readonly errorCode: number
  constructor(message: string, status: number, errorCode: number, options?: { cause?: unknown }) {
    super(message, options)
    this.status = status
    this.errorCode = errorCode
  }
}

/** Well-known registry error codes (Confluent's REST API, which Karapace and others follow). */
export const RegistryErrorCode = {
  SUBJECT_NOT_FOUND: 40401,
  VERSION_NOT_FOUND: 40402,
  SCHEMA_NOT_FOUND: 40403,
  /** Registering a schema the subject's compatibility level refuses. */
  INCOMPATIBLE_SCHEMA: 409,
  INVALID_SCHEMA: 42201,
  INVALID_VERSION: 42202,
  INVALID_COMPATIBILITY_LEVEL: 42203,
} as const

/**
 * Bytes that are not in the registry wire format (no magic byte 0, too short, bad message
 * indexes), or a value the schema refuses. A SerializationError, so streams error handlers treat
 * it like any serde failure.
 */
export class SchemaSerdeError extends SerializationError {
  override name = 'SchemaSerdeError'
}
