/**
 * A Schema Registry client for the Confluent REST API (Confluent Schema Registry, Karapace,
 * Redpanda, Apicurio's compatibility API): register, look up by id and by subject/version,
 * compatibility checks, with caches, basic or bearer auth, TLS and retries.
 */
import { InvalidArgumentError } from '../protocol/errors.js'
import { RegistryError, RegistryErrorCode } from './errors.js'
import { sendRequest, sendRequestSync, sleepSync, type HttpRequest, type HttpResult, type RegistryTlsOptions } from './http.js'
import type { CompatibilityLevel, CompatibilityResult, RegisteredSchema, Schema, SchemaReference, SchemaType } from './types.js'

/** Credentials: HTTP basic auth, or a bearer token (a string, or a function giving the current one). */
export type RegistryAuth =
  | { username: string; password: string }
  | {
      /**
       * The token, or a function returning it (called for every request, so it can refresh).
       * Synchronous serdes need a function that returns a string, not a promise.
       */
      bearerToken: string | (() => string | Promise<string>)
    }

/** Options of {@link SchemaRegistryClient}. */
export interface SchemaRegistryClientOptions {
  /** Base URL(s), e.g. `http://127.0.0.1:8081`; on a network error the next one is tried. */
  url: string | string[]
  auth?: RegistryAuth
  /** TLS options for `https://` URLs. */
  tls?: RegistryTlsOptions
  /** Extra headers sent with every request. */
  headers?: Record<string, string>
  /** Per-request timeout (default 10 000 ms). */
  timeoutMs?: number
  /** Retries after a network error, a timeout, a 5xx or a 429 (default 3). */
  retries?: number
  /** First backoff; doubles up to {@link SchemaRegistryClientOptions.maxBackoffMs} (default 100 ms). */
  initialBackoffMs?: number
  /** Largest backoff (default 2 000 ms). */
  maxBackoffMs?: number
  /** How long `getLatest` answers from its cache (default 60 000 ms; 0 disables that cache). Ids and numbered versions never change, so those caches do not expire. */
  latestCacheTtlMs?: number
  /** Entries kept per cache before the oldest goes (default 1 000). */
  cacheCapacity?: number
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json'
const ACCEPT = 'application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json'

/** One REST call: its request, and how the answer's JSON becomes the result. */
interface Call<T> {
  method: HttpRequest['method']
  path: string
  body?: unknown
  parse(json: unknown): T
}

/** A small insertion-ordered cache that drops its oldest entry when full. */
class BoundedCache<K, V> {
  readonly #map = new Map<K, V>()
  constructor(readonly capacity: number) {}
  get(key: K): V | undefined {
    return this.#map.get(key)
  }
  set(key: K, value: V): void {
    this.#map.delete(key)
    this.#map.set(key, value)
    if (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value as K)
  }
  delete(predicate: (key: K) => boolean): void {
    for (const k of [...this.#map.keys()]) if (predicate(k)) this.#map.delete(k)
  }
}

/** A schema as the registry stores it under an id (no subject or version). */
export interface SchemaById extends Schema {
  id: number
  schemaType: SchemaType
}

/**
 * A client of one schema registry. Results are cached: schemas by id and ids by (subject,
 * schema) forever (the registry never changes them), the latest version of a subject for
 * `latestCacheTtlMs`. Concurrent identical lookups share one request.
 *
 * @example
 * ```ts
 * const registry = new SchemaRegistryClient({ url: 'http://127.0.0.1:8081' })
 * const id = await registry.register('orders-value', { schema: JSON.stringify(orderSchema) })
 * ```
 */
export class SchemaRegistryClient {
  readonly #urls: string[]
  #urlIndex = 0
  readonly #auth: RegistryAuth | undefined
  readonly #tls: RegistryTlsOptions | undefined
  readonly #headers: Record<string, string>
  readonly #timeoutMs: number
  readonly #retries: number
  readonly #initialBackoffMs: number
  readonly #maxBackoffMs: number
  readonly #latestTtlMs: number
  readonly #byId: BoundedCache<number, SchemaById>
  readonly #bySchema: BoundedCache<string, RegisteredSchema>
  readonly #registered: BoundedCache<string, number>
  readonly #byVersion: BoundedCache<string, RegisteredSchema>
  readonly #latest: BoundedCache<string, { value: RegisteredSchema; expires: number }>
  readonly #inflight = new Map<string, Promise<unknown>>()

  constructor(options: SchemaRegistryClientOptions) {
    if (!options || typeof options !== 'object') throw new InvalidArgumentError('SchemaRegistryClient needs options { url, ... }')
    const urls = (Array.isArray(options.url) ? options.url : [options.url]).map((u) => (typeof u === 'string' ? u.replace(/\/+$/, '') : u))
    if (urls.length === 0) throw new InvalidArgumentError('url must name at least one registry URL')
    for (const u of urls) {
      if (typeof u !== 'string' || !/^https?:\/\/[^/]/.test(u)) throw new InvalidArgumentError(`url must be an http:// or https:// URL, got ${JSON.stringify(u)}`)
    }
    this.#urls = urls
    this.#auth = checkAuth(options.auth)
    this.#tls = options.tls
    this.#headers = { ...(options.headers ?? {}) }
    this.#timeoutMs = positive(options.timeoutMs, 10_000, 'timeoutMs')
    this.#retries = nonNegative(options.retries, 3, 'retries')
    this.#initialBackoffMs = nonNegative(options.initialBackoffMs, 100, 'initialBackoffMs')
    this.#maxBackoffMs = nonNegative(options.maxBackoffMs, 2_000, 'maxBackoffMs')
    this.#latestTtlMs = nonNegative(options.latestCacheTtlMs, 60_000, 'latestCacheTtlMs')
    const capacity = positive(options.cacheCapacity, 1_000, 'cacheCapacity')
    this.#byId = new BoundedCache(capacity)
    this.#bySchema = new BoundedCache(capacity)
    this.#registered = new BoundedCache(capacity)
    this.#byVersion = new BoundedCache(capacity)
    this.#latest = new BoundedCache(capacity)
  }

  /** The first registry URL (for messages). */
  get url(): string {
    return this.#urls[0]!
  }

  /**
   * Registers `schema` under `subject` (a no-op giving the existing id when it is already
   * there) and gives its id. Throws a RegistryError with errorCode 409 when the subject's
   * compatibility level refuses it, 42201 when the schema is invalid.
   */
  async register(subject: string, schema: Schema): Promise<number> {
    const key = schemaKey(subject, schema)
    const cached = this.#registered.get(key)
    if (cached !== undefined) return cached
    return this.#shared(`register\0${key}`, async () => this.#remember(key, await this.#run(registerCall(subject, schema))))
  }

  /** {@link SchemaRegistryClient.register}, blocking on a cache miss (for synchronous serdes). */
  registerSync(subject: string, schema: Schema): number {
    const key = schemaKey(subject, schema)
    return this.#registered.get(key) ?? this.#remember(key, this.#runSync(registerCall(subject, schema)))
  }

  /**
   * The registration of `schema` under `subject` (id and version), without registering it:
   * a RegistryError 40403 when the subject does not hold it, 40401 when there is no such subject.
   */
  async lookup(subject: string, schema: Schema): Promise<RegisteredSchema> {
    const key = schemaKey(subject, schema)
    const cached = this.#bySchema.get(key)
    if (cached) return cached
    return this.#shared(`lookup\0${key}`, async () => this.#rememberLookup(key, await this.#run(lookupCall(subject, schema))))
  }

  /** {@link SchemaRegistryClient.lookup}, blocking on a cache miss. */
  lookupSync(subject: string, schema: Schema): RegisteredSchema {
    const key = schemaKey(subject, schema)
    return this.#bySchema.get(key) ?? this.#rememberLookup(key, this.#runSync(lookupCall(subject, schema)))
  }

  /** The schema with global id `id` (a RegistryError 40403 when there is none). */
  async getSchemaById(id: number): Promise<SchemaById> {
    checkId(id)
    const cached = this.#byId.get(id)
    if (cached) return cached
    return this.#shared(`id\0${id}`, async () => this.#rememberId(await this.#run(byIdCall(id))))
  }

  /** {@link SchemaRegistryClient.getSchemaById}, blocking on a cache miss. */
  getSchemaByIdSync(id: number): SchemaById {
    checkId(id)
    return this.#byId.get(id) ?? this.#rememberId(this.#runSync(byIdCall(id)))
  }

  /** Version `version` of `subject` (40401 no such subject, 40402 no such version). */
  async getVersion(subject: string, version: number): Promise<RegisteredSchema> {
    checkVersion(version)
    const key = `${subject}\0${version}`
    const cached = this.#byVersion.get(key)
    if (cached) return cached
    return this.#shared(`version\0${key}`, async () => {
      const r = await this.#run(versionCall(subject, version))
      this.#byVersion.set(key, r)
      this.#rememberId({ id: r.id, schema: r.schema, schemaType: r.schemaType, references: r.references })
      return r
    })
  }

  /** The latest version of `subject`, cached for `latestCacheTtlMs`. */
  async getLatest(subject: string): Promise<RegisteredSchema> {
    const cached = this.#latest.get(subject)
    if (cached && cached.expires > Date.now()) return cached.value
    return this.#shared(`latest\0${subject}`, async () => this.#rememberLatest(subject, await this.#run(versionCall(subject, 'latest'))))
  }

  /** {@link SchemaRegistryClient.getLatest}, blocking on a cache miss. */
  getLatestSync(subject: string): RegisteredSchema {
    const cached = this.#latest.get(subject)
    if (cached && cached.expires > Date.now()) return cached.value
    return this.#rememberLatest(subject, this.#runSync(versionCall(subject, 'latest')))
  }

  /** The version numbers of `subject`. */
  getVersions(subject: string): Promise<number[]> {
    return this.#run({ method: 'GET', path: `/subjects/${enc(subject)}/versions`, parse: (j) => asArray(j, 'versions').map(Number) })
  }

  /** Every subject. */
  getSubjects(): Promise<string[]> {
    return this.#run({ method: 'GET', path: '/subjects', parse: (j) => asArray(j, 'subjects').map(String) })
  }

  /**
   * Whether `schema` may be registered under `subject` against `version` (default the latest),
   * under the subject's compatibility level, with the registry's reasons when it is not.
   */
  testCompatibility(subject: string, schema: Schema, version: number | 'latest' = 'latest'): Promise<CompatibilityResult> {
    if (version !== 'latest') checkVersion(version)
    return this.#run({
      method: 'POST',
      path: `/compatibility/subjects/${enc(subject)}/versions/${version}?verbose=true`,
      body: schemaBody(schema),
      parse: (j) => {
        const o = asObject(j)
        return { compatible: o.is_compatible === true, messages: Array.isArray(o.messages) ? o.messages.map(String) : [] }
      },
    })
  }

  /** The compatibility level of `subject`, or the registry's default without one. */
  getCompatibility(subject?: string): Promise<CompatibilityLevel> {
    return this.#run({
      method: 'GET',
      path: subject === undefined ? '/config' : `/config/${enc(subject)}?defaultToGlobal=true`,
      parse: (j) => {
        const o = asObject(j)
        return String(o.compatibilityLevel ?? o.compatibility) as CompatibilityLevel
      },
    })
  }

  /** Sets the compatibility level of `subject`, or the registry's default without one. */
  setCompatibility(level: CompatibilityLevel, subject?: string): Promise<CompatibilityLevel> {
    return this.#run({
      method: 'PUT',
      path: subject === undefined ? '/config' : `/config/${enc(subject)}`,
      body: { compatibility: level },
      parse: (j) => String(asObject(j).compatibility) as CompatibilityLevel,
    })
  }

  /** Deletes `subject` (soft, or `permanent` after a soft delete); gives the deleted versions. */
  async deleteSubject(subject: string, options: { permanent?: boolean } = {}): Promise<number[]> {
    const versions = await this.#run({
      method: 'DELETE',
      path: `/subjects/${enc(subject)}${options.permanent ? '?permanent=true' : ''}`,
      parse: (j) => asArray(j, 'deleted versions').map(Number),
    })
    const prefix = `${subject}\0`
    this.#registered.delete((k) => k.startsWith(prefix))
    this.#bySchema.delete((k) => k.startsWith(prefix))
    this.#byVersion.delete((k) => k.startsWith(prefix))
    this.#latest.delete((k) => k === subject)
    return versions
  }

  // The caller's text is not cached as the schema of `id`: the registry may hold an equivalent
  // but different text under that id (it matches schemas by their canonical form).
  #remember(key: string, id: number): number {
    this.#registered.set(key, id)
    return id
  }

  #rememberLookup(key: string, r: RegisteredSchema): RegisteredSchema {
    this.#bySchema.set(key, r)
    this.#registered.set(key, r.id)
    this.#rememberId({ id: r.id, schema: r.schema, schemaType: r.schemaType, references: r.references })
    return r
  }

  #rememberLatest(subject: string, r: RegisteredSchema): RegisteredSchema {
    if (this.#latestTtlMs > 0) this.#latest.set(subject, { value: r, expires: Date.now() + this.#latestTtlMs })
    this.#rememberId({ id: r.id, schema: r.schema, schemaType: r.schemaType, references: r.references })
    return r
  }

  #rememberId(s: SchemaById): SchemaById {
    this.#byId.set(s.id, s)
    return s
  }

  /** One request per key at a time: concurrent callers share it. */
  #shared<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const pending = this.#inflight.get(key)
    if (pending) return pending as Promise<T>
    const p = fn().finally(() => this.#inflight.delete(key))
    this.#inflight.set(key, p)
    return p
  }

  #request(call: Call<unknown>, token: string | undefined): HttpRequest {
    const headers: Record<string, string> = { Accept: ACCEPT, ...this.#headers }
    if (call.body !== undefined) headers['Content-Type'] = CONTENT_TYPE
    const auth = this.#auth
    if (auth && 'username' in auth) headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
    else if (token !== undefined) headers.Authorization = `Bearer ${token}`
    return {
      method: call.method,
      url: this.#urls[this.#urlIndex % this.#urls.length] + call.path,
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      timeoutMs: this.#timeoutMs,
      tls: this.#tls,
    }
  }

  /** What to do with one attempt's result: the value, an error to throw, or a retry after `delayMs`. */
  #outcome<T>(call: Call<T>, result: HttpResult, attempt: number): { value: T } | { error: RegistryError } | { retryAfterMs: number; error: RegistryError } {
    const where = `${call.method} ${call.path.replace(/\?.*$/, '')}`
    let error: RegistryError
    if (!result.ok) {
      error = new RegistryError(`schema registry ${this.#urls[this.#urlIndex % this.#urls.length]} unreachable (${where}): ${result.error}`, 0, 0)
      this.#urlIndex++ // fail over to the next URL
    } else if (result.status < 300) {
      let json: unknown
      try {
        json = result.body === '' ? null : JSON.parse(result.body)
      } catch {
        return { error: new RegistryError(`schema registry answered ${where} with invalid JSON: ${result.body.slice(0, 200)}`, result.status, 0) }
      }
      try {
        return { value: call.parse(json) }
      } catch (err) {
        return { error: new RegistryError(`schema registry answered ${where} with an unexpected body: ${(err as Error).message}`, result.status, 0) }
      }
    } else {
      error = httpError(where, result.status, result.body)
      if (result.status < 500 && result.status !== 429) return { error }
    }
    if (attempt >= this.#retries) return { error }
    const base = Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** attempt)
    return { retryAfterMs: Math.round(base * (0.8 + Math.random() * 0.4)), error }
  }

  async #run<T>(call: Call<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const auth = this.#auth
      const token = auth && 'bearerToken' in auth ? (typeof auth.bearerToken === 'function' ? await auth.bearerToken() : auth.bearerToken) : undefined
      const out = this.#outcome(call, await sendRequest(this.#request(call, token)), attempt)
      if ('value' in out) return out.value
      if (!('retryAfterMs' in out)) throw out.error
      await new Promise((r) => setTimeout(r, out.retryAfterMs))
    }
  }

  #runSync<T>(call: Call<T>): T {
    for (let attempt = 0; ; attempt++) {
      const auth = this.#auth
      let token: string | undefined
      if (auth && 'bearerToken' in auth) {
        const t = typeof auth.bearerToken === 'function' ? auth.bearerToken() : auth.bearerToken
        if (typeof t !== 'string') throw new InvalidArgumentError('auth.bearerToken returned a promise: synchronous serdes need a token function that returns a string')
        token = t
      }
      const out = this.#outcome(call, sendRequestSync(this.#request(call, token)), attempt)
      if ('value' in out) return out.value
      if (!('retryAfterMs' in out)) throw out.error
      sleepSync(out.retryAfterMs)
    }
  }
}

function httpError(where: string, status: number, body: string): RegistryError {
  let code = 0
  let message = body.slice(0, 500)
  try {
    const j = JSON.parse(body) as { error_code?: unknown; message?: unknown }
    if (typeof j.error_code === 'number') code = j.error_code
    if (typeof j.message === 'string') message = j.message
  } catch {
    // not JSON: keep the text
  }
  return new RegistryError(`schema registry: ${where} failed with HTTP ${status}${code ? ` (error ${code})` : ''}: ${message}`, status, code)
}

function enc(subject: string): string {
  if (typeof subject !== 'string' || subject.length === 0) throw new InvalidArgumentError(`subject must be a non-empty string, got ${JSON.stringify(subject)}`)
  return encodeURIComponent(subject)
}

function schemaKey(subject: string, schema: Schema): string {
  enc(subject)
  checkSchema(schema)
  return `${subject}\0${schema.schemaType ?? 'AVRO'}\0${JSON.stringify(schema.references ?? [])}\0${schema.schema}`
}

function checkSchema(schema: Schema): void {
  if (!schema || typeof schema.schema !== 'string' || schema.schema.length === 0) throw new InvalidArgumentError('schema must be { schema: string, schemaType?, references? } with non-empty schema text')
  if (schema.schemaType !== undefined && !['AVRO', 'PROTOBUF', 'JSON'].includes(schema.schemaType)) {
    throw new InvalidArgumentError(`schemaType must be AVRO, PROTOBUF or JSON, got ${JSON.stringify(schema.schemaType)}`)
  }
}

/** The request body for a schema: schemaType is left out for Avro, as Confluent's clients do. */
function schemaBody(schema: Schema): Record<string, unknown> {
  checkSchema(schema)
  const body: Record<string, unknown> = { schema: schema.schema }
  if (schema.schemaType && schema.schemaType !== 'AVRO') body.schemaType = schema.schemaType
  if (schema.references && schema.references.length > 0) body.references = schema.references
  return body
}

function registerCall(subject: string, schema: Schema): Call<number> {
  return { method: 'POST', path: `/subjects/${enc(subject)}/versions`, body: schemaBody(schema), parse: (j) => asId(asObject(j).id) }
}

function lookupCall(subject: string, schema: Schema): Call<RegisteredSchema> {
  return { method: 'POST', path: `/subjects/${enc(subject)}`, body: schemaBody(schema), parse: (j) => asRegistered(j, subject) }
}

function byIdCall(id: number): Call<SchemaById> {
  return {
    method: 'GET',
    path: `/schemas/ids/${id}`,
    parse: (j) => {
      const o = asObject(j)
      return { id, schema: asText(o.schema), schemaType: asType(o.schemaType), references: asRefs(o.references) }
    },
  }
}

function versionCall(subject: string, version: number | 'latest'): Call<RegisteredSchema> {
  return { method: 'GET', path: `/subjects/${enc(subject)}/versions/${version}`, parse: (j) => asRegistered(j, subject) }
}

function asRegistered(j: unknown, subject: string): RegisteredSchema {
  const o = asObject(j)
  return {
    id: asId(o.id),
    subject: typeof o.subject === 'string' ? o.subject : subject,
    version: Number(o.version),
    schema: asText(o.schema),
    schemaType: asType(o.schemaType),
    references: asRefs(o.references),
  }
}

function asObject(j: unknown): Record<string, unknown> {
  if (j === null || typeof j !== 'object' || Array.isArray(j)) throw new Error('expected a JSON object')
  return j as Record<string, unknown>
}

function asArray(j: unknown, what: string): unknown[] {
  if (!Array.isArray(j)) throw new Error(`expected a JSON array of ${what}`)
  return j
}

function asId(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`expected an integer schema id, got ${JSON.stringify(v)}`)
  return v
}

function asText(v: unknown): string {
  if (typeof v !== 'string') throw new Error('expected the schema text')
  return v
}

function asType(v: unknown): SchemaType {
  if (v === undefined || v === null) return 'AVRO'
  if (v === 'AVRO' || v === 'PROTOBUF' || v === 'JSON') return v
  throw new Error(`unknown schemaType ${JSON.stringify(v)}`)
}

function asRefs(v: unknown): SchemaReference[] {
  if (!Array.isArray(v)) return []
  return v.map((r) => {
    const o = asObject(r)
    return { name: String(o.name), subject: String(o.subject), version: Number(o.version) }
  })
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0) throw new InvalidArgumentError(`schema id must be a non-negative integer, got ${id}`)
}

function checkVersion(version: number): void {
  if (!Number.isInteger(version) || version < 1) throw new InvalidArgumentError(`version must be a positive integer or 'latest', got ${version}`)
}

function checkAuth(auth: RegistryAuth | undefined): RegistryAuth | undefined {
  if (auth === undefined) return undefined
  if (auth && 'username' in auth) {
    if (typeof auth.username !== 'string' || typeof auth.password !== 'string') throw new InvalidArgumentError('auth must be { username, password } strings or { bearerToken }')
    return auth
  }
  if (auth && 'bearerToken' in auth && (typeof auth.bearerToken === 'string' || typeof auth.bearerToken === 'function')) return auth
  throw new InvalidArgumentError('auth must be { username, password } or { bearerToken: string | () => string }')
}

function positive(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new InvalidArgumentError(`${name} must be a positive number, got ${v}`)
  return v
}

function nonNegative(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new InvalidArgumentError(`${name} must be a non-negative number, got ${v}`)
  return v
}

export { RegistryErrorCode }
