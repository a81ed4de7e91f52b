// A protocol-aware proxy in front of the real broker, for tests of error handling. It reads every
// request and response frame (headers with Peridot's codec, bodies with the spec codec), rewrites
// the broker addresses the broker advertises (Metadata, FindCoordinator, DescribeCluster, the
// leader hints of Produce/Fetch) to listeners of its own so the client keeps talking through it,
// and applies fault rules chosen by API key, version, topic/partition and the nth matching
// request: answer with an error code instead of forwarding, delay, drop the response of a
// forwarded request, corrupt a record batch of a fetch response, truncate a response frame, or
// rewrite the decoded response. Each connection's responses go back in request order, as a
// broker sends them.
import net from 'node:net'
import { decodeResponseHeader, Reader, Writer } from '../../../src/protocol/index.js'
import { errorCodeOf, type ErrorCodeRef, errorResponse } from './error-responses.js'
import { apiSpecs, type Msg, UNKNOWN_TAGS } from './spec-codec.js'

/** A request as the proxy saw it. */
export interface ProxiedRequest {
  apiKey: number
  /** Kafka's API name, e.g. `Produce`. */
  apiName: string
  version: number
  correlationId: number
  clientId: string | null
  /** Id of the client connection it came on (1, 2, ... in accept order). */
  connection: number
  /** Date.now() when it arrived. */
  at: number
  /** Date.now() when its response went back to the client (undefined until then, or if none did). */
  answeredAt?: number
  /** The decoded body (decoded on first use). */
  readonly body: Msg
}

/** What a rule does to the requests it matches. */
export type FaultAction =
  /** Answers with this error instead of forwarding (every topic/partition/key of the request carries it). */
  | { kind: 'error'; code: ErrorCodeRef; message?: string; throttleTimeMs?: number }
  /** Forwards, then holds the response `ms` before sending it (later responses wait behind it). */
  | { kind: 'delay'; ms: number }
  /** Forwards, then discards the response: the client hangs until its timeout, or sees the connection cut. */
  | { kind: 'drop-response'; then?: 'hang' | 'disconnect' }
  /** Cuts the connection instead of forwarding (the request never reaches the broker). */
  | { kind: 'disconnect' }
  /** Forwards a Fetch, then flips a byte inside the first record batch of each matching partition. */
  | { kind: 'corrupt-batch' }
  /** Forwards, then sends only the first `keepBodyBytes` bytes of the response body (as a complete, short frame). */
  | { kind: 'truncate'; keepBodyBytes: number }
  /** Forwards, then edits the decoded response (e.g. set error codes or throttle_time_ms). */
  | { kind: 'rewrite'; edit: (response: Msg, request: ProxiedRequest) => void }

/** Which requests a rule applies to, and what it does. */
export interface FaultRule {
  apiKey: number
  /** Only these versions (inclusive). */
  versions?: { min?: number; max?: number }
  /** Only requests naming this topic (by name or by an id the proxy saw in a Metadata response). */
  topic?: string
  /** With `topic`: only requests naming this partition of it. */
  partition?: number
  /** Any further condition. */
  match?: (req: ProxiedRequest) => boolean
  /** Applies from the nth matching request on (1-based; default 1). */
  nth?: number
  /** How many matching requests it applies to from the nth on (default 1; Infinity for all). */
  times?: number
  action: FaultAction
}

/** A rule added to the proxy. */
export interface FaultHandle {
  /** Requests that matched the rule's filters so far. */
  readonly matched: number
  /** Requests the action was applied to so far. */
  readonly applied: number
  /** Resolves when the action has been applied `n` times (default 1). */
  appliedTimes(n?: number): Promise<void>
  /** Stops applying the rule (responses already held keep their fate). */
  remove(): void
}

/** Version range one API is advertised with (in an ApiVersions profile). */
export interface AdvertisedApi {
  apiKey: number
  minVersion: number
  maxVersion: number
}

export interface FaultProxyOptions {
  /**
   * Replaces the broker's ApiVersions answer with these APIs, each range intersected with the
   * broker's own (an API the broker lacks, or whose ranges do not meet, is left out). A request
   * outside the advertised ranges is recorded in `violations` and its connection closed (as
   * Redpanda does).
   */
  advertisedApis?: readonly AdvertisedApi[]
  /** Decodes and re-encodes every frame and records any that do not come out byte for byte equal (checks the proxy itself). */
  verifyCodec?: boolean
}

export interface FaultProxy {
  /** `host:port` of the listener in front of the bootstrap broker. */
  readonly address: string
  /** Every request seen so far, in arrival order. */
  readonly requests: readonly ProxiedRequest[]
  /** Problems inside the proxy (undecodable frames, failed rewrites); a test should expect none. */
  readonly errors: readonly string[]
  /** Requests for an API or version the advertised profile leaves out. */
  readonly violations: readonly string[]
  /** Adds a fault rule. */
  addRule(rule: FaultRule): FaultHandle
  /** Removes every rule. */
  clearRules(): void
  /** Requests seen of `apiKey` (optionally only those `match` accepts). */
  count(apiKey: number, match?: (req: ProxiedRequest) => boolean): number
  /** Destroys every open connection (client and broker side). */
  cutAll(): number
  close(): Promise<void>
}

const API_VERSIONS = 18

interface RuleState {
  rule: FaultRule
  matched: number
  applied: number
  waiters: { n: number; resolve: () => void }[]
  removed: boolean
}

interface Slot {
  req: ProxiedRequest
  rule: FaultRule | null
  /** Frame to send (with size prefix) once ready; null when the response is dropped. */
  out: Buffer | null
  ready: boolean
  /** Cut the connection when this slot's turn comes. */
  cut: boolean
}

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4)
  size.writeInt32BE(payload.length)
  return Buffer.concat([size, payload])
}

/** Splits a byte stream into Kafka frames (int32 size, then the payload), copying each byte about once. */
class FrameSplitter {
  private chunks: Buffer[] = []
  private total = 0

  /** Adds `chunk`; returns the payloads of the frames now complete (each its own copy). */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk)
    this.total += chunk.length
    const out: Buffer[] = []
    for (;;) {
      if (this.total < 4) return out
      if (this.chunks[0].length < 4) this.chunks = [Buffer.concat(this.chunks, this.total)]
      const size = this.chunks[0].readInt32BE(0)
      if (this.total < 4 + size) return out
      const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.total)
      out.push(Buffer.from(all.subarray(4, 4 + size)))
      const rest = all.subarray(4 + size)
      this.chunks = rest.length > 0 ? [rest] : []
      this.total = rest.length
    }
  }
}

function matchesRange(v: number, r: FaultRule['versions']): boolean {
  return r === undefined || (v >= (r.min ?? 0) && v <= (r.max ?? Infinity))
}

const TOPIC_KEYS = ['Name', 'Topic', 'TopicName']
const PARTITION_KEYS = ['Partition', 'PartitionIndex', 'Index']

/** Visits every struct (plain object) inside `v`. */
function eachStruct(v: unknown, visit: (s: Msg) => void): void {
  if (Array.isArray(v)) {
    for (const x of v) eachStruct(x, visit)
  } else if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
    visit(v as Msg)
    for (const [k, x] of Object.entries(v)) if (k !== UNKNOWN_TAGS) eachStruct(x, visit)
  }
}

function namesPartition(s: Msg, partition: number): boolean {
  let found = false
  eachStruct(s, (x) => {
    for (const k of PARTITION_KEYS) if (x[k] === partition) found = true
    for (const v of Object.values(x)) if (Array.isArray(v) && v.includes(partition) && typeof v[0] === 'number') found = true
  })
  return found
}

/** Starts a fault proxy in front of the broker at `target`. */
export async function startFaultProxy(target: { host: string; port: number }, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const rules: RuleState[] = []
  const requests: ProxiedRequest[] = []
  const errors: string[] = []
  const violations: string[] = []
  const topicNames = new Map<string, string>()
  const sockets = new Set<net.Socket>()
  const listeners = new Map<string, Promise<{ server: net.Server; port: number }>>()
  let connections = 0

  const namesTopic = (s: Msg, topic: string): boolean => {
    for (const k of TOPIC_KEYS) if (s[k] === topic) return true
    return typeof s.TopicId === 'string' && topicNames.get(s.TopicId) === topic
  }

  const ruleMatches = (rule: FaultRule, req: ProxiedRequest): boolean => {
    if (rule.apiKey !== req.apiKey || !matchesRange(req.version, rule.versions)) return false
    if (rule.topic !== undefined) {
      let hit = false
      eachStruct(req.body, (s) => {
        if (!hit && namesTopic(s, rule.topic!) && (rule.partition === undefined || namesPartition(s, rule.partition))) hit = true
      })
      if (!hit) return false
    }
    return rule.match === undefined || rule.match(req)
  }

  /**
   * The rule for `req`: the first whose window (nth, times) it falls in. Every rule counts the
   * requests that match its filters, whether or not an earlier rule took the request.
   */
  const ruleFor = (req: ProxiedRequest): FaultRule | null => {
    let chosen: RuleState | null = null
    for (const st of rules) {
      if (st.removed) continue
      let matches: boolean
      try {
        matches = ruleMatches(st.rule, req)
      } catch (e) {
        errors.push(`matching ${req.apiName} v${req.version}: ${(e as Error).message}`)
        continue
      }
      if (!matches) continue
      st.matched++
      const nth = st.rule.nth ?? 1
      const times = st.rule.times ?? 1
      if (chosen || st.matched < nth || st.matched >= nth + times) continue
      chosen = st
    }
    if (!chosen) return null
    chosen.applied++
    for (const w of chosen.waiters.filter((x) => chosen.applied >= x.n)) {
      chosen.waiters.splice(chosen.waiters.indexOf(w), 1)
      w.resolve()
    }
    return chosen.rule
  }

  const listenerFor = (host: string, port: number): Promise<{ server: net.Server; port: number }> => {
    const key = `${host}:${port}`
    let l = listeners.get(key)
    if (!l) {
      l = listen({ host, port })
      listeners.set(key, l)
    }
    return l
  }

  /** Points every advertised broker address in `msg` at a listener of the proxy. */
  const rewriteAddresses = async (msg: Msg): Promise<boolean> => {
    const endpoints: Msg[] = []
    eachStruct(msg, (s) => {
      if (typeof s.Host === 'string' && typeof s.Port === 'number' && s.Host !== '' && s.Port > 0) endpoints.push(s)
    })
    for (const s of endpoints) {
      const l = await listenerFor(s.Host as string, s.Port as number)
      s.Host = '127.0.0.1'
      s.Port = l.port
    }
    return endpoints.length > 0
  }

  const rememberTopicIds = (msg: Msg): void => {
    for (const t of (msg.Topics as Msg[] | null | undefined) ?? []) {
      if (typeof t.Name === 'string' && typeof t.TopicId === 'string') topicNames.set(t.TopicId, t.Name)
    }
  }

  const restrictApiVersions = (msg: Msg): void => {
    if (!options.advertisedApis || msg.ErrorCode !== 0) return
    const broker = new Map((msg.ApiKeys as Msg[]).map((a) => [a.ApiKey as number, a]))
    const out: Msg[] = []
    for (const want of options.advertisedApis) {
      const have = broker.get(want.apiKey)
      if (!have) continue
      const min = Math.max(want.minVersion, have.MinVersion as number)
      const max = Math.min(want.maxVersion, have.MaxVersion as number)
      if (min <= max) out.push({ ...have, MinVersion: min, MaxVersion: max })
    }
    msg.ApiKeys = out
    // Redpanda's ApiVersions carries no feature levels (KIP-584's tagged fields): a Kafka-only
    // feature such as transaction.version must not show through.
    for (const k of ['SupportedFeatures', 'FinalizedFeaturesEpoch', 'FinalizedFeatures', 'ZkMigrationReady']) delete msg[k]
  }

  /** The version range the profile advertises for `apiKey` (undefined without a profile). */
  const advertised = (apiKey: number): AdvertisedApi | null | undefined =>
    options.advertisedApis && (options.advertisedApis.find((a) => a.apiKey === apiKey) ?? null)

  const corruptBatches = (msg: Msg, rule: FaultRule): void => {
    for (const t of (msg.Responses as Msg[]) ?? []) {
      if (rule.topic !== undefined && !namesTopic(t, rule.topic)) continue
      for (const p of (t.Partitions as Msg[]) ?? []) {
        if (rule.partition !== undefined && p.PartitionIndex !== rule.partition) continue
        const records = p.Records as Buffer | null
        if (!records || records.length < 61) continue
        const copy = Buffer.from(records)
        // A batch is baseOffset:int64 batchLength:int32 then batchLength bytes; its CRC32C covers
        // everything from attributes (offset 21) on, so its last byte is inside.
        const end = Math.min(copy.length, 12 + copy.readInt32BE(8))
        copy[end - 1] ^= 0xff
        p.Records = copy
      }
    }
  }

  async function listen(upstreamAddr: { host: string; port: number }): Promise<{ server: net.Server; port: number }> {
    const server = net.createServer((client) => serve(client, upstreamAddr))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    return { server, port: (server.address() as net.AddressInfo).port }
  }

  function serve(client: net.Socket, upstreamAddr: { host: string; port: number }): void {
    const connection = ++connections
    const upstream = net.connect(upstreamAddr.port, upstreamAddr.host)
    sockets.add(client).add(upstream)
    const slots: Slot[] = []
    let closed = false
    let chain: Promise<unknown> = Promise.resolve()

    const end = () => {
      if (closed) return
      closed = true
      sockets.delete(client)
      sockets.delete(upstream)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)

    const flush = () => {
      while (!closed && slots.length > 0 && slots[0].ready) {
        const s = slots.shift()!
        if (s.cut) return end()
        if (s.out) {
          s.req.answeredAt = Date.now()
          client.write(s.out)
        }
      }
    }
    const fill = (slot: Slot, out: Buffer | null, delayMs = 0) => {
      slot.out = out
      if (delayMs > 0) {
        setTimeout(() => {
          slot.ready = true
          flush()
        }, delayMs)
      } else {
        slot.ready = true
        flush()
      }
    }

    const responseFrame = (req: ProxiedRequest, body: Msg): Buffer => {
      const specs = apiSpecs(req.apiKey)!
      const w = new Writer()
      w.int32(req.correlationId)
      if (req.apiKey !== API_VERSIONS && specs.response.isFlexible(req.version)) w.uint8(0)
      specs.response.encode(w, req.version, body)
      return frame(w.finish())
    }

    const onRequest = (payload: Buffer) => {
      const r = new Reader(payload)
      const apiKey = r.int16()
      const version = r.int16()
      const correlationId = r.int32()
      const clientId = r.nullableString()
      const specs = apiSpecs(apiKey)
      if (specs && specs.request.isFlexible(version)) r.taggedFields()
      const bodyStart = r.offset
      let body: Msg | undefined
      const req: ProxiedRequest = {
        apiKey,
        apiName: specs?.name ?? `api-${apiKey}`,
        version,
        correlationId,
        clientId,
        connection,
        at: Date.now(),
        get body(): Msg {
          if (!specs) throw new Error(`no spec for API key ${apiKey}`)
          return (body ??= specs.request.decode(new Reader(payload, bodyStart), version))
        },
      }
      requests.push(req)
      const range = advertised(apiKey)
      const outsideProfile = range !== undefined && apiKey !== API_VERSIONS && (range === null || version < range.minVersion || version > range.maxVersion)
      if (outsideProfile) {
        violations.push(`${req.apiName} v${version} (${range ? `advertised v${range.minVersion}-${range.maxVersion}` : 'not advertised'})`)
      }
      const ownRange = apiKey === API_VERSIONS ? advertised(API_VERSIONS) : undefined
      if (ownRange && version > ownRange.maxVersion) {
        // A broker answers an ApiVersions newer than it knows with UNSUPPORTED_VERSION and a v0
        // body listing what it supports (KIP-511), so the client can ask again.
        const slot: Slot = { req, rule: null, out: null, ready: false, cut: false }
        slots.push(slot)
        const body = { ErrorCode: 35, ApiKeys: options.advertisedApis!.map((a) => ({ ApiKey: a.apiKey, MinVersion: a.minVersion, MaxVersion: a.maxVersion })) }
        const w = new Writer()
        w.int32(correlationId)
        specs!.response.encode(w, 0, body)
        fill(slot, frame(w.finish()))
        return
      }
      const rule = ruleFor(req)
      const action = rule?.action
      const slot: Slot = { req, rule, out: null, ready: false, cut: false }
      // A Produce with acks=0 gets no answer: it takes no place in the answer order.
      if (!(apiKey === 0 && req.body.Acks === 0)) slots.push(slot)
      if (action?.kind === 'error') {
        try {
          const res = errorResponse(apiKey, specs!.response, version, req.body, errorCodeOf(action.code), action)
          fill(slot, responseFrame(req, res))
        } catch (e) {
          errors.push(`fabricating ${req.apiName} v${version}: ${(e as Error).message}`)
          slot.cut = true
          fill(slot, null)
        }
        return
      }
      if (action?.kind === 'disconnect') {
        slot.cut = true
        fill(slot, null)
        return
      }
      if (outsideProfile) {
        // What Redpanda does with an API or version it does not declare: close the connection.
        slot.cut = true
        fill(slot, null)
        return
      }
      upstream.write(frame(payload))
    }

    const onResponse = async (payload: Buffer) => {
      const correlationId = payload.readInt32BE(0)
      const slot = slots.find((s) => s.req.correlationId === correlationId && !s.ready && !s.cut)
      if (!slot) {
        errors.push(`response with correlation id ${correlationId} matches no request`)
        return
      }
      const { req, rule } = slot
      const action = rule?.action
      const specs = apiSpecs(req.apiKey)
      if (!specs) {
        fill(slot, frame(payload))
        return
      }
      const flexHeader = req.apiKey !== API_VERSIONS && specs.response.isFlexible(req.version)
      const r = new Reader(payload)
      decodeResponseHeader(r, flexHeader ? 1 : 0)
      const bodyStart = r.offset
      if (action?.kind === 'drop-response') {
        slot.cut = action.then === 'disconnect'
        fill(slot, null)
        return
      }
      if (action?.kind === 'truncate') {
        fill(slot, frame(payload.subarray(0, bodyStart + action.keepBodyBytes)))
        return
      }
      let out = frame(payload)
      try {
        // ApiVersions errors come as a v0 body whatever the version; pass those through.
        const apiVersionsError = req.apiKey === API_VERSIONS && payload.readInt16BE(bodyStart) !== 0
        if (!apiVersionsError) {
          const msg = specs.response.decode(new Reader(payload, bodyStart), req.version)
          if (options.verifyCodec) {
            const again = responseFrame(req, msg)
            if (!again.equals(out)) errors.push(`${req.apiName} v${req.version} response does not re-encode byte for byte`)
          }
          let changed = await rewriteAddresses(msg)
          if (req.apiKey === 3) rememberTopicIds(msg)
          if (req.apiKey === API_VERSIONS && options.advertisedApis) {
            restrictApiVersions(msg)
            changed = true
          }
          if (action?.kind === 'corrupt-batch') {
            corruptBatches(msg, rule!)
            changed = true
          }
          if (action?.kind === 'rewrite') {
            action.edit(msg, req)
            changed = true
          }
          if (changed) out = responseFrame(req, msg)
        }
      } catch (e) {
        errors.push(`${req.apiName} v${req.version} response: ${(e as Error).stack}`)
      }
      fill(slot, out, action?.kind === 'delay' ? action.ms : 0)
    }

    const fromClient = new FrameSplitter()
    const fromUpstream = new FrameSplitter()
    client.on('data', (d: Buffer) => {
      for (const p of fromClient.push(d)) {
        try {
          if (options.verifyCodec) verifyRequest(p)
          onRequest(p)
        } catch (e) {
          errors.push(`request: ${(e as Error).stack}`)
          end()
        }
      }
    })
    upstream.on('data', (d: Buffer) => {
      for (const p of fromUpstream.push(d)) {
        chain = chain.then(() => onResponse(p)).catch((e: unknown) => errors.push(`response: ${(e as Error).stack}`))
      }
    })

    const verifyRequest = (payload: Buffer) => {
      const r = new Reader(payload)
      const apiKey = r.int16()
      const version = r.int16()
      r.int32()
      r.nullableString()
      const specs = apiSpecs(apiKey)
      if (!specs) return
      if (specs.request.isFlexible(version)) r.taggedFields()
      const start = r.offset
      const msg = specs.request.decode(r, version)
      if (!specs.request.toBuffer(version, msg).equals(payload.subarray(start))) errors.push(`${specs.name} v${version} request does not re-encode byte for byte`)
    }
  }

  const bootstrap = await listenerFor(target.host, target.port)

  return {
    address: `127.0.0.1:${bootstrap.port}`,
    requests,
    errors,
    violations,
    addRule(rule: FaultRule): FaultHandle {
      const st: RuleState = { rule, matched: 0, applied: 0, waiters: [], removed: false }
      rules.push(st)
      return {
        get matched() {
          return st.matched
        },
        get applied() {
          return st.applied
        },
        appliedTimes(n = 1) {
          if (st.applied >= n) return Promise.resolve()
          return new Promise<void>((resolve) => st.waiters.push({ n, resolve }))
        },
        remove() {
          st.removed = true
        },
      }
    },
    clearRules() {
      for (const st of rules) st.removed = true
      rules.length = 0
    },
    count(apiKey, match) {
      return requests.filter((r) => r.apiKey === apiKey && (!match || match(r))).length
    },
    cutAll() {
      const n = sockets.size / 2
      for (const s of [...sockets]) s.destroy()
      sockets.clear()
      return n
    },
    async close() {
      for (const s of [...sockets]) s.destroy()
      sockets.clear()
      for (const l of listeners.values()) {
        const { server } = await l
        await new Promise<void>((resolve) => server.close(() => resolve()))
      }
    },
  }
}
