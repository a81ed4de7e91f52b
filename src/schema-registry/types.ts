/**
 * Schema shapes of the registry's REST API.
 */

/** The schema languages a registry knows; the API omits the type for Avro. */
export type SchemaType = 'AVRO' | 'PROTOBUF' | 'JSON'

/** A reference from a schema to another registered schema (an import, a named type). */
export interface SchemaReference {
  /** The name the referring schema uses (Avro: the type's full name; Protobuf: the import path). */
  name: string
  subject: string
  version: number
}

/** A schema as registered: its text, type and references. */
export interface Schema {
  /** The schema text (Avro / JSON Schema: JSON; Protobuf: `.proto` source). */
  schema: string
  /** Default 'AVRO'. */
  schemaType?: SchemaType
  references?: SchemaReference[]
}

/** A schema registered under a subject. */
export interface RegisteredSchema extends Schema {
  /** The global schema id (what the wire format carries). */
  id: number
  subject: string
  version: number
  schemaType: SchemaType
}

/** The compatibility levels of a subject or of the registry. */
export type CompatibilityLevel = 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE' | 'NONE'

/** The answer of a compatibility check. */
export interface CompatibilityResult {
  compatible: boolean
  /** Why not, when the registry says (verbose mode). */
  messages: string[]
}
