/**
 * JSON Schema serde (validation with `ajv`): the payload is the value's JSON text, checked
 * against the schema before it is written (and, optionally, after it is read).
 */
import type { ValidateFunction } from 'ajv'
import { InvalidArgumentError } from '../protocol/errors.js'
import { SchemaSerdeError } from './errors.js'
import { loadOptional } from './optional-deps.js'
import { RegistrySerde, type ParsedSchema, type RegistrySerdeOptions } from './serde.js'
import type { Schema, SchemaReference } from './types.js'

/** Options of {@link JsonSchemaSerde.create}. */
export interface JsonSchemaSerdeOptions extends RegistrySerdeOptions {
  /** The JSON Schema (text or object); its `title` is the record name for RecordName strategies. Optional for a serde that only reads. */
  schema?: string | object
  references?: SchemaReference[]
  /** Validate values against the writer schema before writing (default true). */
  validate?: boolean
  /** Validate read values against the serde's schema, or the writer's without one (default false). */
  validateOnRead?: boolean
}

interface JsonHandle {
  schema: Record<string, unknown> | boolean
  validate: ValidateFunction | undefined
}

type AjvClass = new (opts: Record<string, unknown>) => AjvInstance
interface AjvInstance {
  compile(schema: object | boolean): ValidateFunction
  errorsText(errors: unknown): string
}

/** A Schema Registry serde for JSON Schema. */
export class JsonSchemaSerde<T = unknown> extends RegistrySerde<T> {
  readonly schemaType = 'JSON' as const
  readonly #ajv: unknown
  readonly #validate: boolean
  readonly #validateOnRead: boolean

  private constructor(Ajv: AjvClass | undefined, options: JsonSchemaSerdeOptions) {
    super(options)
    this.#validate = options.validate ?? true
    this.#validateOnRead = options.validateOnRead ?? false
    this.#ajv = Ajv ? new Ajv({ strict: false, allErrors: true, validateSchema: false }) : undefined
    if (options.schema !== undefined) {
      const text = typeof options.schema === 'string' ? options.schema : JSON.stringify(options.schema)
      this.setOwnSchema({ schema: text, schemaType: 'JSON', references: options.references })
    }
  }

  /** A JSON Schema serde; loads `ajv` (an optional dependency of this package) when it validates. */
  static async create<T = unknown>(options: JsonSchemaSerdeOptions): Promise<JsonSchemaSerde<T>> {
    const needsAjv = (options?.validate ?? true) || (options?.validateOnRead ?? false)
    const Ajv = needsAjv ? await loadOptional<AjvClass | { default: AjvClass }>('ajv', 'JsonSchemaSerde (validation)') : undefined
    return new JsonSchemaSerde<T>(Ajv && 'default' in Ajv ? Ajv.default : (Ajv as AjvClass | undefined), options)
  }

  protected parse(schema: Schema): ParsedSchema {
    let json: unknown
    try {
      json = JSON.parse(schema.schema)
    } catch (err) {
      throw new InvalidArgumentError(`invalid JSON Schema (not JSON): ${(err as Error).message}`)
    }
    if (typeof json !== 'boolean' && (json === null || typeof json !== 'object' || Array.isArray(json))) throw new InvalidArgumentError('a JSON Schema is an object or a boolean')
    let validate: ValidateFunction | undefined
    if (this.#ajv) {
      try {
        validate = (this.#ajv as AjvInstance).compile(json as object | boolean)
      } catch (err) {
        throw new InvalidArgumentError(`invalid JSON Schema: ${(err as Error).message}`)
      }
    }
    return { schema: json as JsonHandle['schema'], validate }
  }

  protected recordName(handle: ParsedSchema): string | undefined {
    const h = handle as JsonHandle
    return typeof h.schema === 'object' && typeof h.schema.title === 'string' ? h.schema.title : undefined
  }

  protected encode(writer: ParsedSchema, value: T): { payload: Uint8Array } {
    if (this.#validate) this.#check(writer as JsonHandle, value, 'written')
    const text = JSON.stringify(value)
    if (text === undefined) throw new SchemaSerdeError(`${typeof value} has no JSON representation`)
    return { payload: Buffer.from(text, 'utf8') }
  }

  protected decode(writer: ParsedSchema, _writerId: number, payload: Buffer): T {
    let value: unknown
    try {
      value = JSON.parse(payload.toString('utf8'))
    } catch (err) {
      throw new SchemaSerdeError(`invalid JSON payload: ${(err as Error).message}`)
    }
    if (this.#validateOnRead) this.#check((this.ownHandle ?? writer) as JsonHandle, value, 'read')
    return value as T
  }

  #check(h: JsonHandle, value: unknown, what: string): void {
    if (h.validate && !h.validate(value)) {
      throw new SchemaSerdeError(`value ${what} does not match the JSON Schema${this.recordName(h) ? ` ${this.recordName(h)}` : ''}: ${(this.#ajv as AjvInstance).errorsText(h.validate.errors)}`)
    }
  }
}
