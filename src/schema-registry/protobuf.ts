/**
 * Protobuf serde (with `protobufjs`): the schema is `.proto` source; the wire format carries the
 * message's indexes in the file (see wire-format.ts) so a reader finds the message type in the
 * writer's schema.
 */
import type * as Protobuf from 'protobufjs'
import { InvalidArgumentError } from '../protocol/errors.js'
import { SchemaSerdeError } from './errors.js'
import { loadOptional } from './optional-deps.js'
import { RegistrySerde, type ParsedSchema, type RegistrySerdeOptions } from './serde.js'
import type { Schema } from './types.js'

/** Options of {@link ProtobufSerde.create}. */
export interface ProtobufSerdeOptions extends RegistrySerdeOptions {
  /**
   * The `.proto` source (proto2 or proto3). Imports of Google's well-known types
   * (`google/protobuf/timestamp.proto` and the like) are understood; other imports (registry
   * references) are not supported yet. Optional for a serde that only reads.
   */
  schema?: string
  /** Full name of the message this serde writes and reads (e.g. `shop.Order`); default the file's first message. */
  messageType?: string
  /**
   * How decoded messages become plain objects (protobufjs `toObject` options). Default
   * `{ longs: String, enums: String, defaults: true }`: 64-bit integers as decimal strings, enums
   * by name, absent fields with their defaults.
   */
  toObjectOptions?: ProtobufToObjectOptions
}

/** protobufjs's conversion options (its `IConversionOptions`), for decoded messages. */
export interface ProtobufToObjectOptions {
  /** `String` for decimal strings, `Number` for numbers (may lose precision beyond 2^53). */
  longs?: typeof String | typeof Number
  /** `String` for enum names; numbers without. */
  enums?: typeof String
  /** `String` for base64, `Array` for arrays; Buffers without. */
  bytes?: typeof String | typeof Array
  /** Include fields with default values. */
  defaults?: boolean
  /** Empty arrays for missing repeated fields, even without `defaults`. */
  arrays?: boolean
  /** Empty objects for missing map fields, even without `defaults`. */
  objects?: boolean
  /** Set virtual oneof properties to the present field's name. */
  oneofs?: boolean
  /** Use JSON forms of special floating point numbers (NaN, Infinity). */
  json?: boolean
}

/** A parsed `.proto` file and the message this serde uses in it. */
interface ProtoHandle {
  root: Protobuf.Root
  /** The serde's message (own schema), or the file's first message. */
  type: Protobuf.Type
  /** Top-level messages of the file, in declaration order (for message indexes). */
  topLevel: Protobuf.Type[]
}

/**
 * A Schema Registry serde for Protobuf. Values are plain objects (converted with protobufjs's
 * `fromObject`), decoded values plain objects as `toObjectOptions` says.
 */
export class ProtobufSerde<T = Record<string, unknown>> extends RegistrySerde<T> {
  readonly schemaType = 'PROTOBUF' as const
  readonly #pb: typeof Protobuf
  readonly #messageType: string | undefined
  readonly #toObject: Protobuf.IConversionOptions

  private constructor(pb: typeof Protobuf, options: ProtobufSerdeOptions) {
    super(options)
    this.#pb = pb
    this.#messageType = options.messageType
    this.#toObject = options.toObjectOptions ?? { longs: String, enums: String, defaults: true }
    if (options.messageType !== undefined && (typeof options.messageType !== 'string' || options.messageType.length === 0)) {
      throw new InvalidArgumentError('messageType must be a message\'s full name, e.g. "shop.Order"')
    }
    if (options.schema !== undefined) {
      if (typeof options.schema !== 'string') throw new InvalidArgumentError('schema must be .proto source text')
      this.setOwnSchema({ schema: options.schema, schemaType: 'PROTOBUF' })
    }
  }

  /** A Protobuf serde; loads `protobufjs` (an optional dependency of this package). */
  static async create<T = Record<string, unknown>>(options: ProtobufSerdeOptions): Promise<ProtobufSerde<T>> {
    return new ProtobufSerde<T>(await loadOptional<typeof Protobuf>('protobufjs', 'ProtobufSerde'), options)
  }

  protected parse(schema: Schema): ParsedSchema {
    if (schema.references && schema.references.length > 0) throw new SchemaSerdeError('Protobuf schemas with references are not supported yet')
    const pb = this.#pb
    let parsed: Protobuf.IParserResult
    try {
      parsed = pb.parse(schema.schema, { keepCase: true })
      for (const file of parsed.imports ?? []) {
        const common = pb.common.get(file)
        if (!common) throw new Error(`import "${file}" is not a well-known type (schema references are not supported yet)`)
        parsed.root.addJSON(common.nested ?? {})
      }
      parsed.root.resolveAll()
    } catch (err) {
      throw new InvalidArgumentError(`invalid Protobuf schema: ${(err as Error).message}`)
    }
    const pkg = parsed.package ? parsed.root.lookup(parsed.package) : parsed.root
    const topLevel = pkg && 'nestedArray' in pkg ? (pkg as Protobuf.Namespace).nestedArray.filter((n): n is Protobuf.Type => n instanceof pb.Type) : []
    if (topLevel.length === 0) throw new InvalidArgumentError('the Protobuf schema declares no message')
    let type = topLevel[0]!
    // The own schema's message; a writer schema read by id keeps the first (decode walks the indexes).
    if (this.#messageType !== undefined && schema.schemaType === 'PROTOBUF' && !('id' in schema)) {
      const found = parsed.root.lookup(this.#messageType)
      if (!(found instanceof pb.Type)) throw new InvalidArgumentError(`messageType '${this.#messageType}' is not a message of the schema`)
      type = found
    }
    return { root: parsed.root, type, topLevel }
  }

  protected recordName(handle: ParsedSchema): string {
    return (handle as ProtoHandle).type.fullName.replace(/^\./, '')
  }

  protected encode(handle: ParsedSchema, value: T): { payload: Uint8Array; messageIndexes: number[] } {
    const writer = handle as ProtoHandle
    const type = this.#messageType === undefined || writer === this.ownHandle ? writer.type : this.#lookup(writer, this.#messageType)
    // fromObject turns what it cannot convert into defaults silently: check the plain value first.
    const problem = checkMessage(this.#pb, type, value, 'value')
    if (problem) throw new SchemaSerdeError(`value does not match the Protobuf message ${type.fullName.slice(1)}: ${problem}`)
    const message = type.fromObject(value as Record<string, unknown>)
    return { payload: type.encode(message).finish(), messageIndexes: messageIndexes(writer, type) }
  }

  protected decode(handle: ParsedSchema, writerId: number, payload: Buffer, indexes: number[] | undefined): T {
    const writer = handle as ProtoHandle
    // The serde's own message reads the bytes (fields match by number); without one, the writer's.
    const type = (this.ownHandle as ProtoHandle | undefined)?.type ?? messageAt(writer, indexes ?? [0], writerId)
    return type.toObject(type.decode(payload), this.#toObject) as T
  }

  #lookup(h: ProtoHandle, name: string): Protobuf.Type {
    const found = h.root.lookup(name)
    if (!(found instanceof this.#pb.Type)) throw new SchemaSerdeError(`the registered schema has no message '${name}'`)
    return found
  }
}

/** The message indexes of `type` in its file: its position among top-level messages, then nested ones. */
function messageIndexes(h: ProtoHandle, type: Protobuf.Type): number[] {
  const path: number[] = []
  let t: Protobuf.Type = type
  for (;;) {
    const top = h.topLevel.indexOf(t)
    if (top >= 0) {
      path.unshift(top)
      return path
    }
    const parent = t.parent as Protobuf.Type | null
    if (!parent || !('fieldsArray' in parent)) throw new SchemaSerdeError(`message ${type.fullName} is not declared in the schema's file`)
    path.unshift(nestedMessages(parent).indexOf(t))
    t = parent
  }
}

function nestedMessages(t: Protobuf.Type): Protobuf.Type[] {
  return t.nestedArray.filter((n): n is Protobuf.Type => 'fieldsArray' in n)
}

/** The message `indexes` name in the writer's file. */
function messageAt(h: ProtoHandle, indexes: number[], writerId: number): Protobuf.Type {
  let t = h.topLevel[indexes[0]!]
  for (let i = 1; t && i < indexes.length; i++) t = nestedMessages(t)[indexes[i]!]
  if (!t) throw new SchemaSerdeError(`message indexes [${indexes.join(', ')}] name no message of schema id ${writerId}`)
  return t
}

const INTEGER_32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32'])
const INTEGER_64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64'])

/** Why `value` is not a plain object of message `type` (what fromObject accepts), or null. */
function checkMessage(pb: typeof Protobuf, type: Protobuf.Type, value: unknown, path: string): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value)) return `${path} must be an object for message ${type.name}`
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    const field = type.fields[name]
    if (!field) return `${path} has no field '${name}' in message ${type.name}`
    if (v === null || v === undefined) continue
    const where = `${path}.${name}`
    if (field.map) {
      if (typeof v !== 'object' || Array.isArray(v)) return `${where} must be an object (a map)`
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        const p = checkValue(pb, field, item, `${where}[${JSON.stringify(k)}]`)
        if (p) return p
      }
    } else if (field.repeated) {
      if (!Array.isArray(v)) return `${where} must be an array (a repeated field)`
      for (let i = 0; i < v.length; i++) {
        const p = checkValue(pb, field, v[i], `${where}[${i}]`)
        if (p) return p
      }
    } else {
      const p = checkValue(pb, field, v, where)
      if (p) return p
    }
  }
  return null
}

function checkValue(pb: typeof Protobuf, field: Protobuf.Field, v: unknown, where: string): string | null {
  const t = field.resolvedType
  if (t instanceof pb.Type) return checkMessage(pb, t, v, where)
  if (t instanceof pb.Enum) {
    if (typeof v === 'string' ? t.values[v] !== undefined : Number.isInteger(v)) return null
    return `${where} must be one of ${Object.keys(t.values).join(', ')} (or its number), got ${JSON.stringify(v)}`
  }
  const ok =
    field.type === 'string' ? typeof v === 'string'
    : field.type === 'bool' ? typeof v === 'boolean'
    : field.type === 'bytes' ? Buffer.isBuffer(v) || v instanceof Uint8Array || typeof v === 'string'
    : field.type === 'double' || field.type === 'float' ? typeof v === 'number'
    : INTEGER_32.has(field.type) ? Number.isInteger(v)
    : INTEGER_64.has(field.type) ? Number.isSafeInteger(v) || (typeof v === 'string' && /^-?\d+$/.test(v)) || (typeof v === 'object' && v !== null && 'low' in v && 'high' in v)
    : true
  return ok ? null : `${where} must be a ${field.type}, got ${typeof v === 'string' ? JSON.stringify(v) : typeof v}`
}
