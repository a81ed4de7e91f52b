/**
 * Avro serde (with `avsc`): writes with the serde's schema (or the subject's latest), reads with
 * the writer schema from the registry resolved to the serde's schema (Avro schema evolution:
 * added fields take their defaults, removed ones are skipped, promotions apply).
 */
import type * as Avsc from 'avsc'
import { InvalidArgumentError } from '../protocol/errors.js'
import { SchemaSerdeError } from './errors.js'
import { loadOptional } from './optional-deps.js'
import { RegistrySerde, type ParsedSchema, type RegistrySerdeOptions } from './serde.js'
import type { Schema, SchemaReference } from './types.js'

/** Options of {@link AvroSerde.create}. */
export interface AvroSerdeOptions extends RegistrySerdeOptions {
  /**
   * The Avro schema (JSON text or its parsed object): the writer schema when serializing, the
   * reader schema when deserializing. Optional for a serde that only reads (records then come
   * back as the writer schema has them) or that writes with `useLatestVersion`.
   */
  schema?: string | object
  /** References of `schema` to other registered schemas (named types it uses). */
  references?: SchemaReference[]
  /**
   * How Avro `long`s are represented: `'number'` (default; values beyond 2^53 in magnitude fail
   * rather than lose precision) or `'bigint'` (the full 64-bit range; decoded longs are bigints,
   * and numbers are accepted when writing).
   */
  longs?: 'number' | 'bigint'
  /** Options for avsc's `Type.forSchema` (e.g. `logicalTypes`, `wrapUnions`), applied to every schema this serde parses. */
  avscOptions?: Record<string, unknown>
}

/**
 * A Schema Registry serde for Avro.
 *
 * @example
 * ```ts
 * const serde = await AvroSerde.create<Order>({ registry, schema: orderSchema })
 * const bytes = await serde.serialize('orders', { id: 1, amount: 9.5 })
 * ```
 */
export class AvroSerde<T = unknown> extends RegistrySerde<T> {
  readonly schemaType = 'AVRO' as const
  readonly #avsc: typeof Avsc
  readonly #options: Record<string, unknown>
  readonly #bigintLong: unknown
  readonly #resolvers = new Map<number, Avsc.Resolver | null>()

  private constructor(avsc: typeof Avsc, options: AvroSerdeOptions) {
    super(options)
    this.#avsc = avsc
    if (options.longs !== undefined && options.longs !== 'number' && options.longs !== 'bigint') {
      throw new InvalidArgumentError(`longs must be 'number' or 'bigint', got ${JSON.stringify(options.longs)}`)
    }
    this.#options = options.avscOptions ?? {}
    this.#bigintLong = options.longs === 'bigint' ? bigintLongType(avsc) : undefined
    if (options.schema !== undefined) {
      const text = typeof options.schema === 'string' ? options.schema : JSON.stringify(options.schema)
      this.setOwnSchema({ schema: text, schemaType: 'AVRO', references: options.references })
    }
  }

  /** An Avro serde; loads `avsc` (an optional dependency of this package). */
  static async create<T = unknown>(options: AvroSerdeOptions): Promise<AvroSerde<T>> {
    return new AvroSerde<T>(await loadOptional<typeof Avsc>('avsc', 'AvroSerde'), options)
  }

  protected parse(schema: Schema): ParsedSchema {
    if (schema.references && schema.references.length > 0) {
      throw new SchemaSerdeError('Avro schemas with references are not supported yet: inline the referenced types')
    }
    let json: unknown
    try {
      json = JSON.parse(schema.schema)
    } catch {
      json = schema.schema // a bare primitive name such as string
    }
    try {
      // A fresh options object per schema: avsc records named types in it (its `registry`).
      const opts: Record<string, unknown> = { ...this.#options }
      if (this.#bigintLong) opts.registry = { long: this.#bigintLong }
      return this.#avsc.Type.forSchema(json as Avsc.Schema, opts)
    } catch (err) {
      throw new InvalidArgumentError(`invalid Avro schema: ${(err as Error).message}`)
    }
  }

  protected recordName(handle: ParsedSchema): string | undefined {
    return (handle as Avsc.Type).name ?? undefined
  }

  protected encode(handle: ParsedSchema, value: T): { payload: Uint8Array } {
    const writer = handle as Avsc.Type
    try {
      return { payload: writer.toBuffer(value) } // checks every value it writes
    } catch (err) {
      // Only now walk the value again to name every field that does not fit.
      const problems: string[] = []
      writer.isValid(value, { errorHook: (path: string[], v: unknown) => problems.push(`${path.join('.') || 'value'} = ${preview(v)}`) })
      const detail = problems.length > 0 ? problems.slice(0, 5).join('; ') : (err as Error).message
      throw new SchemaSerdeError(`value does not match the Avro schema ${writer.name ?? writer.typeName}: ${detail}`, { cause: err })
    }
  }

  protected decode(handle: ParsedSchema, writerId: number, payload: Buffer): T {
    const writer = handle as Avsc.Type
    const reader = this.ownHandle as Avsc.Type | undefined
    if (!reader) return writer.fromBuffer(payload) as T
    let resolver = this.#resolvers.get(writerId)
    if (resolver === undefined) {
      try {
        // Same schema: no resolution needed; else the reader resolves the writer's fields.
        resolver = reader.equals(writer) ? null : reader.createResolver(writer)
      } catch (err) {
        throw new SchemaSerdeError(`the reader schema cannot read data written with schema id ${writerId}: ${(err as Error).message}`, { cause: err })
      }
      this.#resolvers.set(writerId, resolver)
    }
    return (resolver ? reader.fromBuffer(payload, resolver) : reader.fromBuffer(payload)) as T
  }
}

const MIN_I64 = -(1n << 63n)
const MAX_I64 = (1n << 63n) - 1n

/** An avsc long type holding bigints (8-byte little-endian two's complement, as avsc unpacks longs). */
function bigintLongType(avsc: typeof Avsc): Avsc.types.LongType {
  const toBig = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(v as number))
  return avsc.types.LongType.__with({
    fromBuffer: (buf: Buffer) => buf.readBigInt64LE(0),
    toBuffer: (v: bigint | number) => {
      const buf = Buffer.alloc(8)
      buf.writeBigInt64LE(toBig(v), 0)
      return buf
    },
    fromJSON: (v: unknown) => BigInt(v as number),
    toJSON: (v: bigint) => Number(v),
    isValid: (v: unknown) => (typeof v === 'bigint' && v >= MIN_I64 && v <= MAX_I64) || Number.isSafeInteger(v),
    compare: (a: bigint | number, b: bigint | number) => {
      const x = toBig(a)
      const y = toBig(b)
      return x < y ? -1 : x > y ? 1 : 0
    },
  })
}

function preview(v: unknown): string {
  try {
    const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x))
    return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 60)}...` : s
  } catch {
    return String(v)
  }
}
