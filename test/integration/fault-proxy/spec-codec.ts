// A generic codec driven by Kafka's JSON message specs (from the kafka-clients jar of the Kafka
// version under test): decodes any request or response body into a plain object keyed by the
// spec's field names and encodes it back byte for byte. The fault proxy uses it to read requests
// (topics, partitions) and to rewrite or fabricate responses; Peridot's own modules only encode
// requests and decode responses, the other half a broker needs. The codec unit tests read the
// bytes Peridot's request encoders write with it too (strictly: see DecodeOptions).
import { Reader, Writer } from '../../../src/protocol/index.js'
import { ZERO_UUID } from '../../../src/protocol/messages/flexible.js'
import { SPEC_TEXTS, specJson } from '../../unit/protocol/messages/kafka-specs.js'

/** One field of a JSON message spec. */
export interface SpecField {
  name: string
  type: string
  versions: string
  nullableVersions?: string
  taggedVersions?: string
  tag?: number
  default?: string | number | boolean
  /** Field-level override (only the request header's ClientId, which is never compact). */
  flexibleVersions?: string
  fields?: SpecField[]
}

/** A request, response or header JSON message spec. */
export interface MessageSpec {
  apiKey?: number
  type: string
  name: string
  validVersions: string
  flexibleVersions: string
  fields: SpecField[]
  commonStructs?: { name: string; versions: string; fields: SpecField[] }[]
}

/** A decoded message or struct: spec field name -> value. */
export type Msg = { [field: string]: unknown }

/**
 * Options of {@link SpecCodec.decode}. `strict`: the bytes must be what a careful encoder writes:
 * bools are 0 or 1, null only where the spec allows it, no tagged fields at all (Peridot's
 * request encoders write none).
 */
export interface DecodeOptions {
  strict?: boolean
}

/** Key under which a decoded struct keeps tagged fields its spec does not know (re-encoded as they came). */
export const UNKNOWN_TAGS = '$unknownTags'

interface TaggedRaw {
  tag: number
  data: Uint8Array
}

const SCALARS = new Set(['int8', 'int16', 'uint16', 'int32', 'int64', 'float64', 'bool', 'uuid', 'string', 'bytes', 'records'])

/** Parses "3", "2+", "0-5" or "none" into an inclusive range (null for none). */
export function versionRange(spec: string | undefined): { min: number; max: number } | null {
  if (spec === undefined || spec === 'none' || spec === '') return null
  if (spec.endsWith('+')) return { min: Number(spec.slice(0, -1)), max: Number.POSITIVE_INFINITY }
  const [a, b] = spec.split('-')
  return { min: Number(a), max: Number(b ?? a) }
}

/** Whether version `v` is in the spec range `spec` ("3", "2+", "0-5", "none"; undefined: no). */
export function inRange(spec: string | undefined, v: number): boolean {
  const r = versionRange(spec)
  return r !== null && v >= r.min && v <= r.max
}

/** Encoder and decoder of one message spec. */
export class SpecCodec {
  readonly spec: MessageSpec
  private readonly common = new Map<string, SpecField[]>()

  constructor(spec: MessageSpec) {
    this.spec = spec
    for (const c of spec.commonStructs ?? []) this.common.set(c.name, c.fields)
  }

  /** Whether `version` of this message uses compact types and tagged fields. */
  isFlexible(version: number): boolean {
    return inRange(this.spec.flexibleVersions, version)
  }

  /** Whether this spec defines `version`. */
  hasVersion(version: number): boolean {
    return inRange(this.spec.validVersions, version)
  }

  /** Reads one message of `version` from `r`. */
  decode(r: Reader, version: number, options: DecodeOptions = {}): Msg {
    return this.readStruct(r, this.spec.fields, version, this.isFlexible(version), options.strict === true)
  }

  /** Writes `msg` as `version`; absent fields take their spec defaults. */
  encode(w: Writer, version: number, msg: Msg): void {
    this.writeStruct(w, this.spec.fields, version, this.isFlexible(version), msg)
  }

  /** Encodes `msg` to a fresh buffer. */
  toBuffer(version: number, msg: Msg): Buffer {
    const w = new Writer()
    this.encode(w, version, msg)
    return w.finish()
  }

  /** A message of `version` with every field at its spec default (tagged fields left out). */
  defaults(version: number): Msg {
    return this.defaultStruct(this.spec.fields, version)
  }

  /** The default of one named top-level or nested struct field's element (for building array items). */
  defaultsOf(path: string[], version: number): Msg {
    let fields = this.spec.fields
    for (const name of path) {
      const f = fields.find((x) => x.name === name)
      if (!f) throw new Error(`${this.spec.name} has no field ${path.join('.')}`)
      fields = this.structFields(f)
    }
    return this.defaultStruct(fields, version)
  }

  private elementType(f: SpecField): string {
    return f.type.startsWith('[]') ? f.type.slice(2) : f.type
  }

  private structFields(f: SpecField): SpecField[] {
    if (f.fields) return f.fields
    const common = this.common.get(this.elementType(f))
    if (!common) throw new Error(`${this.spec.name}: no struct definition for ${f.name} (${f.type})`)
    return common
  }

  private isStruct(f: SpecField): boolean {
    return !SCALARS.has(this.elementType(f))
  }

  private fieldFlex(f: SpecField, version: number, flex: boolean): boolean {
    return f.flexibleVersions === undefined ? flex : inRange(f.flexibleVersions, version)
  }

  private readScalar(r: Reader, type: string, flex: boolean, strict = false, nullable = true): unknown {
    if (strict) {
      if (type === 'bool') {
        const b = r.uint8()
        if (b > 1) throw new Error(`${this.spec.name}: bool byte ${b}`)
        return b === 1
      }
      const v = this.readScalar(r, type, flex)
      if (v === null && !nullable) throw new Error(`${this.spec.name}: null in a non-nullable ${type}`)
      return v
    }
    switch (type) {
      case 'int8':
        return r.int8()
      case 'int16':
        return r.int16()
      case 'uint16':
        return r.uint16()
      case 'int32':
        return r.int32()
      case 'int64':
        return r.int64()
      case 'float64':
        return r.float64()
      case 'bool':
        return r.boolean()
      case 'uuid':
        return r.uuid()
      case 'string':
        return flex ? r.compactNullableString() : r.nullableString()
      case 'bytes':
      case 'records':
        return flex ? r.compactNullableBytes() : r.nullableBytes()
      default:
        throw new Error(`${this.spec.name}: unsupported spec type ${type}`)
    }
  }

  private writeScalar(w: Writer, type: string, flex: boolean, v: unknown): void {
    switch (type) {
      case 'int8':
        w.int8(v as number)
        return
      case 'int16':
        w.int16(v as number)
        return
      case 'uint16':
        w.uint16(v as number)
        return
      case 'int32':
        w.int32(v as number)
        return
      case 'int64':
        w.int64(v as bigint)
        return
      case 'float64':
        w.float64(v as number)
        return
      case 'bool':
        w.boolean(v as boolean)
        return
      case 'uuid':
        w.uuid(v as string)
        return
      case 'string':
        if (flex) w.compactString(v as string | null)
        else w.string(v as string | null)
        return
      case 'bytes':
      case 'records':
        if (flex) w.compactBytes(v as Uint8Array | null)
        else w.bytes(v as Uint8Array | null)
        return
      default:
        throw new Error(`${this.spec.name}: unsupported spec type ${type}`)
    }
  }

  private readField(r: Reader, f: SpecField, version: number, flex: boolean, strict: boolean): unknown {
    const fflex = this.fieldFlex(f, version, flex)
    const nullable = inRange(f.nullableVersions, version)
    if (f.type.startsWith('[]')) {
      const n = fflex ? r.unsignedVarint() - 1 : r.int32()
      if (n < 0) {
        if (strict && !nullable) throw new Error(`${this.spec.name}: null array ${f.name}`)
        return null
      }
      const out: unknown[] = []
      const struct = this.isStruct(f)
      for (let i = 0; i < n; i++) {
        out.push(struct ? this.readStruct(r, this.structFields(f), version, flex, strict) : this.readScalar(r, f.type.slice(2), fflex, strict, false))
      }
      return out
    }
    if (this.isStruct(f)) {
      if (nullable && this.readScalar(r, 'int8', false) === -1) return null
      return this.readStruct(r, this.structFields(f), version, flex, strict)
    }
    return this.readScalar(r, f.type, fflex, strict, nullable)
  }

  private writeField(w: Writer, f: SpecField, version: number, flex: boolean, v: unknown): void {
    const fflex = this.fieldFlex(f, version, flex)
    if (f.type.startsWith('[]')) {
      const items = v as unknown[] | null
      if (items === null) {
        if (fflex) w.unsignedVarint(0)
        else w.int32(-1)
        return
      }
      if (fflex) w.unsignedVarint(items.length + 1)
      else w.int32(items.length)
      const struct = this.isStruct(f)
      for (const item of items) {
        if (struct) this.writeStruct(w, this.structFields(f), version, flex, item as Msg)
        else this.writeScalar(w, f.type.slice(2), fflex, item)
      }
      return
    }
    if (this.isStruct(f)) {
      if (inRange(f.nullableVersions, version)) {
        if (v === null) {
          w.int8(-1)
          return
        }
        w.int8(1)
      }
      this.writeStruct(w, this.structFields(f), version, flex, v as Msg)
      return
    }
    this.writeScalar(w, f.type, fflex, v)
  }

  private readStruct(r: Reader, fields: SpecField[], version: number, flex: boolean, strict: boolean): Msg {
    const out: Msg = {}
    const tagged = new Map<number, SpecField>()
    for (const f of fields) {
      if (!inRange(f.versions, version)) continue
      if (f.tag !== undefined && inRange(f.taggedVersions, version)) {
        tagged.set(f.tag, f)
        continue
      }
      out[f.name] = this.readField(r, f, version, flex, strict)
    }
    if (flex) {
      const n = r.unsignedVarint()
      if (strict && n !== 0) throw new Error(`${this.spec.name}: ${n} tagged fields where an encoder writes none`)
      const unknown: TaggedRaw[] = []
      for (let i = 0; i < n; i++) {
        const tag = r.unsignedVarint()
        const data = r.raw(r.unsignedVarint())
        const f = tagged.get(tag)
        if (f) out[f.name] = this.readField(new Reader(data), f, version, flex, strict)
        else unknown.push({ tag, data })
      }
      if (unknown.length > 0) out[UNKNOWN_TAGS] = unknown
    }
    return out
  }

  private writeStruct(w: Writer, fields: SpecField[], version: number, flex: boolean, msg: Msg): void {
    const tagged: TaggedRaw[] = []
    for (const f of fields) {
      if (!inRange(f.versions, version)) continue
      const v = f.name in msg ? msg[f.name] : undefined
      if (f.tag !== undefined && inRange(f.taggedVersions, version)) {
        if (v === undefined) continue
        const tw = new Writer()
        this.writeField(tw, f, version, flex, v)
        tagged.push({ tag: f.tag, data: tw.finish() })
        continue
      }
      this.writeField(w, f, version, flex, v === undefined ? this.defaultOf(f, version) : v)
    }
    if (flex) w.taggedFields([...tagged, ...((msg[UNKNOWN_TAGS] as TaggedRaw[] | undefined) ?? [])])
  }

  private defaultStruct(fields: SpecField[], version: number): Msg {
    const out: Msg = {}
    for (const f of fields) {
      if (!inRange(f.versions, version)) continue
      if (f.tag !== undefined && inRange(f.taggedVersions, version)) continue
      out[f.name] = this.defaultOf(f, version)
    }
    return out
  }

  private defaultOf(f: SpecField, version: number): unknown {
    const d = f.default
    if (d === 'null') return null
    if (f.type.startsWith('[]')) return []
    if (this.isStruct(f)) return this.defaultStruct(this.structFields(f), version)
    switch (f.type) {
      case 'int64':
        return d === undefined ? 0n : BigInt(d)
      case 'bool':
        return d === true || d === 'true'
      case 'uuid':
        return ZERO_UUID
      case 'string':
        return d === undefined ? '' : String(d)
      case 'bytes':
      case 'records':
        return inRange(f.nullableVersions, version) ? null : Buffer.alloc(0)
      default:
        return d === undefined ? 0 : Number(d)
    }
  }
}

const codecs = new Map<string, SpecCodec | null>()

/** The codec of spec `name` (e.g. `ProduceResponse`), or null when the jar has no such spec. */
export function specCodec(name: string): SpecCodec | null {
  let c = codecs.get(name)
  if (c === undefined) {
    c = SPEC_TEXTS.has(name) ? new SpecCodec(specJson<MessageSpec>(name)) : null
    codecs.set(name, c)
  }
  return c
}

interface ApiSpecs {
  name: string
  request: SpecCodec
  response: SpecCodec
}

let byKey: Map<number, ApiSpecs> | undefined

/** Request and response codecs of API `apiKey` (null for an API the specs do not know). */
export function apiSpecs(apiKey: number): ApiSpecs | null {
  if (!byKey) {
    byKey = new Map()
    for (const name of SPEC_TEXTS.keys()) {
      if (!name.endsWith('Request')) continue
      const request = specCodec(name)!
      if (request.spec.type !== 'request' || request.spec.apiKey === undefined) continue
      const base = name.slice(0, -'Request'.length)
      const response = specCodec(`${base}Response`)
      if (response) byKey.set(request.spec.apiKey, { name: base, request, response })
    }
  }
  return byKey.get(apiKey) ?? null
}
