// Fabricated error responses: the answer a broker would give to a request it refuses with one
// error code. The response mirrors the request's topics / partitions / keys (Kafka's clients
// match results to what they asked for) and carries the error where Kafka puts it for that API.
import { KAFKA_ERROR_TABLE } from '../../../src/protocol/index.js'
import type { Msg, SpecCodec } from './spec-codec.js'

/** A Kafka error code, by number or by Kafka's name (e.g. `NOT_LEADER_OR_FOLLOWER`). */
export type ErrorCodeRef = number | string

/** The numeric code of `ref`; throws for a name Kafka does not have. */
export function errorCodeOf(ref: ErrorCodeRef): number {
  if (typeof ref === 'number') return ref
  const e = KAFKA_ERROR_TABLE.find((x) => x.name === ref)
  if (!e) throw new Error(`unknown Kafka error name ${ref}`)
  return e.code
}

/** How one request array maps to one response array. `$` names a scalar array element itself. */
interface Mirror {
  req: string
  res: string
  copy: [from: string, to: string][]
  /** Fields set on each built response element (besides the copied keys). */
  set?: Msg
  child?: Mirror
}

const ERROR_FIELD = /^(Partition)?ErrorCode$/

const PARTITION_OFFSETS: Msg = { HighWatermark: -1n, LastStableOffset: -1n, LogStartOffset: -1n }

/** Per API key, the mirrors tried in order (those whose request field is absent in the version are skipped). */
const MIRRORS: Record<number, Mirror[]> = {
  0: [
    {
      req: 'TopicData',
      res: 'Responses',
      copy: [['Name', 'Name'], ['TopicId', 'TopicId']],
      child: { req: 'PartitionData', res: 'PartitionResponses', copy: [['Index', 'Index']], set: { BaseOffset: -1n, LogAppendTimeMs: -1n, LogStartOffset: -1n } },
    },
  ],
  1: [
    {
      req: 'Topics',
      res: 'Responses',
      copy: [['Topic', 'Topic'], ['TopicId', 'TopicId']],
      child: { req: 'Partitions', res: 'Partitions', copy: [['Partition', 'PartitionIndex']], set: PARTITION_OFFSETS },
    },
  ],
  2: [
    {
      req: 'Topics',
      res: 'Topics',
      copy: [['Name', 'Name']],
      child: { req: 'Partitions', res: 'Partitions', copy: [['PartitionIndex', 'PartitionIndex']], set: { Timestamp: -1n, Offset: -1n } },
    },
  ],
  8: [
    {
      req: 'Topics',
      res: 'Topics',
      copy: [['Name', 'Name'], ['TopicId', 'TopicId']],
      child: { req: 'Partitions', res: 'Partitions', copy: [['PartitionIndex', 'PartitionIndex']] },
    },
  ],
  9: [{ req: 'Groups', res: 'Groups', copy: [['GroupId', 'GroupId']] }],
  10: [{ req: 'CoordinatorKeys', res: 'Coordinators', copy: [['$', 'Key']], set: { NodeId: -1, Host: '', Port: -1 } }],
  15: [{ req: 'Groups', res: 'Groups', copy: [['$', 'GroupId']] }],
  19: [{ req: 'Topics', res: 'Topics', copy: [['Name', 'Name']], set: { NumPartitions: -1, ReplicationFactor: -1 } }],
  20: [
    { req: 'Topics', res: 'Responses', copy: [['Name', 'Name'], ['TopicId', 'TopicId']] },
    { req: 'TopicNames', res: 'Responses', copy: [['$', 'Name']] },
  ],
  21: [
    {
      req: 'Topics',
      res: 'Topics',
      copy: [['Name', 'Name']],
      child: { req: 'Partitions', res: 'Partitions', copy: [['PartitionIndex', 'PartitionIndex']], set: { LowWatermark: -1n } },
    },
  ],
  24: [
    {
      req: 'V3AndBelowTopics',
      res: 'ResultsByTopicV3AndBelow',
      copy: [['Name', 'Name']],
      child: { req: 'Partitions', res: 'ResultsByPartition', copy: [['$', 'PartitionIndex']] },
    },
  ],
  28: [
    {
      req: 'Topics',
      res: 'Topics',
      copy: [['Name', 'Name']],
      child: { req: 'Partitions', res: 'Partitions', copy: [['PartitionIndex', 'PartitionIndex']] },
    },
  ],
  32: [{ req: 'Resources', res: 'Results', copy: [['ResourceType', 'ResourceType'], ['ResourceName', 'ResourceName']] }],
  37: [{ req: 'Topics', res: 'Results', copy: [['Name', 'Name']] }],
  42: [{ req: 'GroupsNames', res: 'Results', copy: [['$', 'GroupId']] }],
  44: [{ req: 'Resources', res: 'Responses', copy: [['ResourceType', 'ResourceType'], ['ResourceName', 'ResourceName']] }],
}

function setError(struct: Msg, code: number, message: string | undefined): void {
  for (const k of Object.keys(struct)) if (ERROR_FIELD.test(k)) struct[k] = code
  if (message !== undefined && 'ErrorMessage' in struct) struct.ErrorMessage = message
}

function build(codec: SpecCodec, version: number, path: string[], m: Mirror, items: unknown[], code: number, message: string | undefined): Msg[] {
  const resPath = [...path, m.res]
  return items.map((item) => {
    const out = codec.defaultsOf(resPath, version)
    for (const [k, v] of Object.entries(m.set ?? {})) if (k in out) out[k] = v
    for (const [from, to] of m.copy) {
      const v = from === '$' ? item : (item as Msg)[from]
      if (v !== undefined && to in out) out[to] = v
    }
    const sub = m.child ? ((item as Msg)[m.child.req] as unknown[] | null | undefined) : undefined
    if (m.child && sub) out[m.child.res] = build(codec, version, resPath, m.child, sub, code, message)
    else setError(out, code, message)
    return out
  })
}

/**
 * The response of `apiKey` v`version` refusing `request` with `code`: the request's topics,
 * partitions or keys each carry the error (a whole-request error for APIs without them).
 */
export function errorResponse(
  apiKey: number,
  codec: SpecCodec,
  version: number,
  request: Msg,
  code: number,
  opts: { message?: string; throttleTimeMs?: number } = {},
): Msg {
  const res = codec.defaults(version)
  let mirrored = false
  for (const m of MIRRORS[apiKey] ?? []) {
    const items = request[m.req] as unknown[] | null | undefined
    if (items === undefined || !(m.res in res)) continue
    res[m.res] = build(codec, version, [], m, items ?? [], code, opts.message)
    mirrored = true
    break
  }
  // Whole-request errors (group and transaction APIs, old FindCoordinator/OffsetFetch) sit at the top.
  if (!mirrored || apiKey === 9) setError(res, code, opts.message)
  if (!mirrored && !Object.keys(res).some((k) => ERROR_FIELD.test(k))) {
    throw new Error(`cannot fabricate an error response for ${codec.spec.name} v${version}: no error field to carry it`)
  }
  if (apiKey === 22) Object.assign(res, { ProducerId: -1n, ProducerEpoch: -1 })
  if (opts.throttleTimeMs !== undefined && 'ThrottleTimeMs' in res) res.ThrottleTimeMs = opts.throttleTimeMs
  return res
}
