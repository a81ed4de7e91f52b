// What the fetch-session tests (fetch-session.test.ts for the group consumer, fetcher-session.test.ts
// for the Fetcher) share: topics whose Fetch requests are picked out of the fault proxy's log, and
// the session errors a rule puts in place of the broker's answer to an incremental fetch.
import type { Client } from '../../../src/index.js'
import { Fetch } from '../../../src/protocol/index.js'
import { uniqueTopic } from '../helpers.js'
import type { FaultHandle, FaultProxy, ProxiedRequest } from './fault-proxy.js'
import { mentions } from './shared.js'
import type { Msg } from './spec-codec.js'

/** The session errors a broker answers an incremental fetch with, and the session id the next full fetch must carry. */
export const FETCH_SESSION_ERRORS = [
  { code: 70, name: 'FETCH_SESSION_ID_NOT_FOUND', nextSessionId: 'zero' },
  { code: 71, name: 'INVALID_FETCH_SESSION_EPOCH', nextSessionId: 'same' },
] as const

/** Topics of one test file and the Fetch requests naming them. */
export interface FetchSessionTopics {
  /** A new topic of the file's partition count (its id remembered for {@link fetchesOf}). */
  newTopic(): Promise<string>
  /** The Fetch requests on the connection of the first one naming `topic` (by name or id), from that one on. */
  fetchesOf(topic: string): ProxiedRequest[]
}

/** Topics named `<prefix>-...` of `partitions` partitions, created with `direct` (not through the proxy). */
export function fetchSessionTopics(proxy: () => FaultProxy, direct: () => Client, prefix: string, partitions: number): FetchSessionTopics {
  const topicIds = new Map<string, string>()
  return {
    async newTopic() {
      const topic = uniqueTopic(prefix)
      await direct().createTopic(topic, { partitions })
      topicIds.set(topic, (await direct().describeTopic(topic)).topicId)
      return topic
    },
    fetchesOf(topic) {
      const all = proxy().requests.filter((r) => r.apiKey === Fetch.apiKey)
      const byName = mentions(topic)
      const byId = mentions(topicIds.get(topic)!)
      const first = all.find((r) => byName(r) || byId(r))
      return first ? all.filter((r) => r.connection === first.connection && r.correlationId >= first.correlationId) : []
    },
  }
}

/** The partitions a Fetch request lists. */
export const listedPartitions = (req: ProxiedRequest): number[] =>
  ((req.body.Topics as Msg[] | undefined) ?? []).flatMap((t) => (t.Partitions as Msg[]).map((p) => p.Partition as number))

/** The partitions a Fetch request forgets. */
export const forgottenPartitions = (req: ProxiedRequest): number[] => ((req.body.ForgottenTopicsData as Msg[] | undefined) ?? []).flatMap((t) => t.Partitions as number[])

/** Replaces the broker's answers to incremental fetches (epoch > 0) on `connection` with the session error `code`, until removed. */
export function failIncrementalFetches(proxy: FaultProxy, connection: number, code: number): FaultHandle {
  return proxy.addRule({
    apiKey: Fetch.apiKey,
    match: (r) => r.connection === connection && (r.body.SessionEpoch as number) > 0,
    action: {
      kind: 'rewrite',
      edit: (res) => {
        res.ErrorCode = code
        res.SessionId = 0
        res.Responses = []
      },
    },
  })
}
