/**
 * What the Avro, Protobuf and JSON Schema serdes share: finding the schema id for a record
 * (subject name strategy, auto-register or lookup, use-latest-version), framing it in the wire
 * format, and finding the writer schema of a framed record by its id. Each step that may ask the
 * registry is written once, as a generator of registry operations, and driven either
 * asynchronously (serialize / deserialize) or synchronously (the streams {@link Serde} adapter).
 */
import { InvalidArgumentError } from '../protocol/errors.js'
import type { Serde } from '../streams/serde.js'
import type { SchemaById, SchemaRegistryClient } from './client.js'
import { SchemaSerdeError } from './errors.js'
import { checkSubjectNameStrategy, subjectName, type SubjectNameStrategy } from './subject-name.js'
import type { Schema, SchemaType } from './types.js'
import { decodeFrameHeader, decodeMessageIndexes, encodeFrame } from './wire-format.js'

/** Options every registry serde takes. */
export interface RegistrySerdeOptions {
  /** The registry client (share one between serdes: it holds the caches). */
  registry: SchemaRegistryClient
  /** Whether this serde handles record keys (subject `<topic>-key` under TopicName) rather than values. Default false. */
  isKey?: boolean
  /** Default 'TopicName'. */
  subjectNameStrategy?: SubjectNameStrategy
  /**
   * Register the serde's schema under the subject when serializing (default true). When false
   * the schema must already be registered there (else a RegistryError 40403 / 40401).
   */
  autoRegister?: boolean
  /**
   * Serialize with the latest schema registered under the subject instead of the serde's own
   * (which is then optional, and only names the record for RecordName strategies). Default false.
   */
  useLatestVersion?: boolean
}

/** A registry request a serde step needs. */
type Op =
  | { op: 'register'; subject: string; schema: Schema }
  | { op: 'lookup'; subject: string; schema: Schema }
  | { op: 'latest'; subject: string }
  | { op: 'byId'; id: number }

type Step<R> = Generator<Op, R, unknown>

/**
 * A schema parsed by a format (avsc Type, protobufjs Root, compiled JSON Schema). Opaque here so
 * that the public types never name the optional schema libraries.
 */
export type ParsedSchema = unknown

/** The schema a serde writes with, and its parsed form. */
interface WriterSchema {
  id: number
  handle: ParsedSchema
}

/**
 * Base of the registry serdes: `serialize` / `deserialize` (async, for the plain producer and
 * consumer) and {@link RegistrySerde.asSerde} (a synchronous streams Serde).
 */
export abstract class RegistrySerde<T> {
  /** The schema language of this serde. */
  abstract readonly schemaType: SchemaType
  readonly #registry: SchemaRegistryClient
  readonly #isKey: boolean
  readonly #strategy: SubjectNameStrategy
  readonly #autoRegister: boolean
  readonly #useLatest: boolean
  readonly #handles = new Map<number, ParsedSchema>()
  /** Id of the own schema per subject (ids never change), so a record costs no cache-key building. */
  readonly #ownIds = new Map<string, number>()
  /** The same per topic: a record of a known topic goes straight to encoding. */
  readonly #ownIdByTopic = new Map<string, number>()
  #own: { schema: Schema; handle: ParsedSchema } | undefined

  protected constructor(options: RegistrySerdeOptions) {
    if (!options || typeof options !== 'object' || !options.registry || typeof options.registry.getSchemaById !== 'function') {
      throw new InvalidArgumentError('registry must be a SchemaRegistryClient')
    }
    this.#registry = options.registry
    this.#isKey = options.isKey ?? false
    this.#strategy = checkSubjectNameStrategy(options.subjectNameStrategy)
    this.#autoRegister = options.autoRegister ?? true
    this.#useLatest = options.useLatestVersion ?? false
  }

  /** Sets the serde's own schema (writer schema, and reader schema where the format has one). */
  protected setOwnSchema(schema: Schema): void {
    this.#own = { schema, handle: this.parse(schema) }
  }

  /** The serde's own parsed schema, if it has one. */
  protected get ownHandle(): ParsedSchema | undefined {
    return this.#own?.handle
  }

  /** Parses a schema of this serde's type. */
  protected abstract parse(schema: Schema): ParsedSchema
  /** The record name of a parsed schema (for RecordName strategies), if it has one. */
  protected abstract recordName(handle: ParsedSchema): string | undefined
  /** The payload bytes of `value` written with `writer`, and (Protobuf) its message indexes. */
  protected abstract encode(writer: ParsedSchema, value: T): { payload: Uint8Array; messageIndexes?: number[] }
  /** The value of `payload`, written with `writer` (id `writerId`). */
  protected abstract decode(writer: ParsedSchema, writerId: number, payload: Buffer, messageIndexes: number[] | undefined): T

  /** Bytes in the registry wire format for `value` written to `topic`; null for null (a tombstone). */
  async serialize(topic: string, value: T | null | undefined): Promise<Buffer | null> {
    if (value == null) return null
    return this.#serializeCached(topic, value) ?? this.#drive(this.#serializeStep(topic, value))
  }

  /** The value of registry-framed `data` read from `topic`; null for null. */
  async deserialize(topic: string, data: Buffer | null | undefined): Promise<T | null> {
    if (data == null) return null
    const header = this.#readHeader(data)
    const handle = this.#handles.get(header.schemaId)
    return handle !== undefined ? this.#decodeWith(handle, header, data) : this.#drive(this.#deserializeStep(data, header))
  }

  /**
   * This serde as a synchronous streams {@link Serde}. Cached ids and schemas answer at once; a
   * miss (the first record of a schema) blocks the thread for one registry round trip, as
   * Kafka's Java serdes do.
   */
  asSerde(): Serde<T> {
    return {
      serialize: (topic, value) => (value == null ? null : (this.#serializeCached(topic, value) ?? this.#driveSync(this.#serializeStep(topic, value)))),
      deserialize: (_topic, data) => {
        if (data == null) return null as T
        const header = this.#readHeader(data)
        const handle = this.#handles.get(header.schemaId)
        return handle !== undefined ? this.#decodeWith(handle, header, data) : this.#driveSync(this.#deserializeStep(data, header))
      },
    }
  }

  /** The subject a record of `topic` goes under (with this serde's own schema naming the record). */
  subjectFor(topic: string): string {
    if (typeof topic !== 'string' || topic.length === 0) throw new InvalidArgumentError(`topic must be a non-empty string, got ${JSON.stringify(topic)}`)
    return subjectName(this.#strategy, topic, this.#isKey, this.#own ? this.recordName(this.#own.handle) : undefined)
  }

  /** The framed value when the own schema's id for `topic` is known (no registry step), else undefined. */
  #serializeCached(topic: string, value: T): Buffer | undefined {
    const id = this.#ownIdByTopic.get(topic)
    return id === undefined ? undefined : this.#frame(topic, id, this.#own!.handle, value)
  }

  *#serializeStep(topic: string, value: T): Step<Buffer> {
    const writer = yield* this.#writerStep(topic)
    return this.#frame(topic, writer.id, writer.handle, value)
  }

  #frame(topic: string, id: number, handle: ParsedSchema, value: T): Buffer {
    let encoded: { payload: Uint8Array; messageIndexes?: number[] }
    try {
      encoded = this.encode(handle, value)
    } catch (err) {
      if (err instanceof SchemaSerdeError) throw err
      throw new SchemaSerdeError(`${this.schemaType} serializer, topic '${topic}': ${(err as Error).message}`, { cause: err })
    }
    return encodeFrame(id, encoded.payload, encoded.messageIndexes)
  }

  *#writerStep(topic: string): Step<WriterSchema> {
    const subject = this.subjectFor(topic)
    if (this.#useLatest) {
      const latest = (yield { op: 'latest', subject }) as SchemaById
      if (latest.schemaType !== this.schemaType) throw new SchemaSerdeError(`the latest schema of subject '${subject}' is a ${latest.schemaType} schema; this serde writes ${this.schemaType}`)
      return { id: latest.id, handle: this.#handleFor(latest) }
    }
    const own = this.#own
    if (!own) throw new InvalidArgumentError(`${this.schemaType} serde: serializing needs a schema (or useLatestVersion: true)`)
    let id = this.#ownIds.get(subject)
    if (id === undefined) {
      id = this.#autoRegister ? ((yield { op: 'register', subject, schema: own.schema }) as number) : ((yield { op: 'lookup', subject, schema: own.schema }) as SchemaById).id
      this.#ownIds.set(subject, id)
    }
    this.#ownIdByTopic.set(topic, id)
    return { id, handle: own.handle }
  }

  /** The schema id, the payload's offset and (Protobuf) the message indexes of framed `data`. */
  #readHeader(data: Buffer): { schemaId: number; offset: number; indexes: number[] | undefined } {
    const header = decodeFrameHeader(data)
    if (this.schemaType !== 'PROTOBUF') return { schemaId: header.schemaId, offset: header.offset, indexes: undefined }
    const { indexes, offset } = decodeMessageIndexes(data, header.offset)
    return { schemaId: header.schemaId, offset, indexes }
  }

  *#deserializeStep(data: Buffer, header: { schemaId: number; offset: number; indexes: number[] | undefined }): Step<T> {
    const writer = (yield { op: 'byId', id: header.schemaId }) as SchemaById
    if (writer.schemaType !== this.schemaType) {
      throw new SchemaSerdeError(`schema id ${header.schemaId} is a ${writer.schemaType} schema; this serde reads ${this.schemaType}`)
    }
    return this.#decodeWith(this.#handleFor(writer), header, data)
  }

  #decodeWith(handle: ParsedSchema, header: { schemaId: number; offset: number; indexes: number[] | undefined }, data: Buffer): T {
    try {
      return this.decode(handle, header.schemaId, data.subarray(header.offset), header.indexes)
    } catch (err) {
      if (err instanceof SchemaSerdeError) throw err
      throw new SchemaSerdeError(`${this.schemaType} deserializer, schema id ${header.schemaId}: ${(err as Error).message}`, { cause: err })
    }
  }

  /** The parsed schema with id `s.id`, parsed once. */
  #handleFor(s: SchemaById): ParsedSchema {
    let h = this.#handles.get(s.id)
    if (h === undefined) {
      h = this.parse(s)
      this.#handles.set(s.id, h)
    }
    return h
  }

  async #drive<R>(step: Step<R>): Promise<R> {
    let next = step.next()
    while (!next.done) {
      const op = next.value
      const r = this.#registry
      next = step.next(
        op.op === 'register' ? await r.register(op.subject, op.schema)
        : op.op === 'lookup' ? await r.lookup(op.subject, op.schema)
        : op.op === 'latest' ? await r.getLatest(op.subject)
        : await r.getSchemaById(op.id),
      )
    }
    return next.value
  }

  #driveSync<R>(step: Step<R>): R {
    let next = step.next()
    while (!next.done) {
      const op = next.value
      const r = this.#registry
      next = step.next(
        op.op === 'register' ? r.registerSync(op.subject, op.schema)
        : op.op === 'lookup' ? r.lookupSync(op.subject, op.schema)
        : op.op === 'latest' ? r.getLatestSync(op.subject)
        : r.getSchemaByIdSync(op.id),
      )
    }
    return next.value
  }
}
