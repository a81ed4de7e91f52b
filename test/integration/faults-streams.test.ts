// KafkaStreams under exactly_once_v2 when a transaction's commit has an unknown outcome: the
// EndTxn reaches the coordinator but no answer comes back (the fault proxy forwards it and drops
// the answer). The runtime aborts, which re-initializes the producer and so completes the
// transaction the coordinator already has; it must then go on from what the group committed,
// not from the offsets it committed before, or every record of that transaction is output twice.
import { describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { EndTxn, Fetch, InitProducerId, ListOffsets, OffsetCommit, OffsetFetch, Produce, TxnOffsetCommit } from '../../src/protocol/index.js'
import { KafkaStreams, Serdes, StreamsBuilder } from '../../src/streams/index.js'
import type { FaultHandle, FaultRule } from './fault-proxy/fault-proxy.js'
import { mentions, sharedFaultProxy } from './fault-proxy/shared.js'
import { runStreamsFaultCase, type CaseNames, type StreamsFaultCase, until } from './fault-proxy/streams-fault-case.js'
import { bootstrap, sharedClient, uniqueTopic } from './helpers.js'
import { tempStateDir, waitFor } from './streams-helpers.js'

const direct = sharedClient()
const proxy = sharedFaultProxy()

/** A case whose faults are `rules` (built from the case's names), done once each acted `times` (default: its own times). */
function faultCase(guarantee: StreamsFaultCase['guarantee'], rules: (n: CaseNames) => FaultRule[], extra: Partial<StreamsFaultCase> = {}): StreamsFaultCase {
  let handles: FaultHandle[] = []
  return {
    guarantee,
    arm: (n) => (handles = rules(n).map((r) => proxy().addRule(r))),
    acted: async () => {
      await until('the faults to act', () => handles.every((h) => h.applied >= 1))
      // A commit and more processing after them.
      await new Promise((r) => setTimeout(r, 300))
    },
    ...extra,
  }
}

const app = (n: CaseNames) => mentions(n.applicationId)

describe('streams faults', () => {
  it('exactly_once_v2: a commit whose EndTxn answer is lost is not processed again once the producer is re-initialized', async () => {
    const input = uniqueTopic('faults-streams-in')
    const output = uniqueTopic('faults-streams-out')
    const applicationId = uniqueTopic('faults-streams-app')
    await direct().createTopic(input, { partitions: 1 })
    await direct().createTopic(output, { partitions: 1 })
    const producer = direct().producer({ lingerMs: 0 })
    await producer.sendBatch(Array.from({ length: 20 }, (_, i) => ({ topic: input, partition: 0, key: `k${i}`, value: `v${i}` })))

    const b = new StreamsBuilder()
    b.stream(input, { key: Serdes.string(), value: Serdes.string() }).to(output, { key: Serdes.string(), value: Serdes.string() })
    // Every EndTxn answer is lost until the producer has been re-initialized (its second
    // InitProducerId): the first commit's outcome becomes unknown after maxBlockMs.
    const lost = proxy().addRule({ apiKey: EndTxn.apiKey, match: mentions(applicationId), times: Infinity, action: { kind: 'drop-response', then: 'disconnect' } })
    const app = new KafkaStreams(b.build(), {
      applicationId,
      brokers: [proxy().address],
      processingGuarantee: 'exactly_once_v2',
      stateDir: tempStateDir(),
      clientOptions: { requestTimeoutMs: 3_000, retry: { retries: 8, initialBackoffMs: 50, maxBackoffMs: 500 } },
      producerOptions: { maxBlockMs: 2_000 },
    })
    try {
      await app.start()
      await waitFor('the first commit to end without an answer and the producer to re-initialize', () => proxy().count(InitProducerId.apiKey, mentions(applicationId)) >= 2, 60_000)
      lost.remove()
      // More input after the re-initialization: it is processed in a transaction of its own.
      await producer.sendBatch(Array.from({ length: 5 }, (_, i) => ({ topic: input, partition: 0, key: `k${20 + i}`, value: `v${20 + i}` })))
      const offsets = async (): Promise<bigint> => (await direct().admin().listGroupOffsets(applicationId)).find((o) => o.topic === input)?.offset ?? -1n
      await waitFor('the app to commit all 25 input records', async () => (await offsets()) === 25n, 60_000)
    } finally {
      await app.close()
      await producer.close()
    }
    expect(proxy().count(EndTxn.apiKey, mentions(applicationId)), 'EndTxn requests (the lost one retried, then later commits)').toBeGreaterThan(1)
    // read_committed view of the output: every input record once, in order (the last
    // transaction's marker may land just after its offsets became stable).
    let committed: string[] = []
    await waitFor('the output of all 25 records', async () => (committed = await readCommitted(direct(), output)).length >= 25, 30_000)
    expect(committed).toEqual(Array.from({ length: 25 }, (_, i) => `v${i}`))
  })
})

describe('streams assignment', () => {
  // The EOS crash test lost records this way: a running instance is handed a task reading two
  // co-partitioned topics; one has a committed offset, the other none, so its start is asked with
  // ListOffsets. The first topic was fetched meanwhile and its batch reached the runtime before
  // the task existed: it was dropped while the consumer's position had moved past it.
  it('exactly_once_v2: a task handed over to a running instance, one topic committed and one waiting for ListOffsets (held back), processes every record', async () => {
    const first = uniqueTopic('faults-streams-a')
    const second = uniqueTopic('faults-streams-b')
    const output = uniqueTopic('faults-streams-out')
    const applicationId = uniqueTopic('faults-streams-app')
    // The second topic stays empty: no instance commits an offset for it.
    for (const t of [first, second, output]) await direct().createTopic(t, { partitions: 2 })
    const producer = direct().producer({ lingerMs: 0 })
    const send = (from: number, to: number) =>
      producer.sendBatch(Array.from({ length: to - from }, (_, i) => ({ topic: first, partition: (from + i) % 2, key: `k${from + i}`, value: `a${from + i}` })))
    const b = new StreamsBuilder()
    const s = { key: Serdes.string(), value: Serdes.string() }
    b.stream(first, s).merge(b.stream(second, s)).to(output, s)
    const topology = b.build()
    const committed = async (): Promise<bigint> => (await direct().admin().listGroupOffsets(applicationId)).reduce((n, o) => n + (o.topic === first ? o.offset : 0n), 0n)
    const options = { applicationId, processingGuarantee: 'exactly_once_v2' as const, commitIntervalMs: 100 }
    // The first instance (straight to the broker) takes both tasks and commits the first topic.
    const one = new KafkaStreams(topology, { ...options, brokers: [bootstrap()], stateDir: tempStateDir() })
    let two: KafkaStreams | undefined
    let held: FaultHandle | undefined
    try {
      await one.start()
      await send(0, 20)
      await waitFor('the first instance to commit 20 records', async () => (await committed()) === 20n, 30_000)
      // The second one (through the proxy, whose ListOffsets of the second topic wait 1.5 s) joins and is handed a task.
      held = proxy().addRule({ apiKey: ListOffsets.apiKey, topic: second, times: Infinity, action: { kind: 'delay', ms: 1500 } })
      two = new KafkaStreams(topology, { ...options, brokers: [proxy().address], stateDir: tempStateDir() })
      await two.start()
      await send(20, 60)
      // Records lost leave the commits short: the output below says which.
      await waitFor('the instances to commit all 60 records', async () => (await committed()) === 60n, 20_000).catch(() => undefined)
    } finally {
      await two?.close()
      await one.close()
      held?.remove()
      await producer.close()
    }
    expect(held!.applied, 'ListOffsets of the second topic held back').toBeGreaterThan(0)
    const out: string[] = []
    for (const p of [0, 1]) out.push(...(await readCommitted(direct(), output, p)))
    expect(out.sort()).toEqual(Array.from({ length: 60 }, (_, i) => `a${i}`).sort())
    expect(await committed()).toBe(60n)
  })
})

describe('streams exactly-once under protocol faults', () => {
  const eos = 'exactly_once_v2' as const
  const alos = 'at_least_once' as const
  for (const code of ['COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR', 'CONCURRENT_TRANSACTIONS']) {
    it(`exactly_once_v2: TxnOffsetCommit answered ${code} (retried)`, async () => {
      await runStreamsFaultCase(direct(), proxy(), faultCase(eos, (n) => [{ apiKey: TxnOffsetCommit.apiKey, match: app(n), times: 3, action: { kind: 'error', code } }]))
    })
  }
  for (const code of ['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']) {
    it(`exactly_once_v2: TxnOffsetCommit answered ${code} (fenced group member: abort, process again)`, async () => {
      await runStreamsFaultCase(direct(), proxy(), faultCase(eos, (n) => [{ apiKey: TxnOffsetCommit.apiKey, match: app(n), action: { kind: 'error', code } }]))
    })
  }
  it('exactly_once_v2: TxnOffsetCommit answer lost (connection cut after forwarding)', async () => {
    await runStreamsFaultCase(direct(), proxy(), faultCase(eos, (n) => [{ apiKey: TxnOffsetCommit.apiKey, match: app(n), action: { kind: 'drop-response', then: 'disconnect' } }]))
  })
  for (const [what, topic] of [['output', 'echo'], ['changelog', 'changelog']] as const) {
    for (const guarantee of [eos, alos]) {
      it(`${guarantee}: Produce of a ${what} record answered NOT_LEADER_OR_FOLLOWER (retried)`, async () => {
        await runStreamsFaultCase(direct(), proxy(), faultCase(guarantee, (n) => [{ apiKey: Produce.apiKey, topic: n[topic], times: 2, action: { kind: 'error', code: 'NOT_LEADER_OR_FOLLOWER' } }]))
      })
      it(`${guarantee}: Produce of a ${what} record whose answer is lost after forwarding`, async () => {
        await runStreamsFaultCase(direct(), proxy(), faultCase(guarantee, (n) => [{ apiKey: Produce.apiKey, topic: n[topic], action: { kind: 'drop-response', then: 'disconnect' } }]))
      })
      it(`${guarantee}: Produce of a ${what} record answered with a non-retriable error (INVALID_RECORD)`, async () => {
        await runStreamsFaultCase(direct(), proxy(), faultCase(guarantee, (n) => [{ apiKey: Produce.apiKey, topic: n[topic], action: { kind: 'error', code: 'INVALID_RECORD' } }], { mayFail: true }))
      })
    }
  }
  for (const code of ['CONCURRENT_TRANSACTIONS', 'NOT_COORDINATOR', 'COORDINATOR_LOAD_IN_PROGRESS']) {
    it(`exactly_once_v2: EndTxn answered ${code} (retried)`, async () => {
      await runStreamsFaultCase(direct(), proxy(), faultCase(eos, (n) => [{ apiKey: EndTxn.apiKey, match: app(n), times: 3, action: { kind: 'error', code } }]))
    })
  }
  it('exactly_once_v2: InitProducerId answered COORDINATOR_LOAD_IN_PROGRESS and CONCURRENT_TRANSACTIONS at start', async () => {
    await runStreamsFaultCase(
      direct(),
      proxy(),
      faultCase(eos, (n) => [
        { apiKey: InitProducerId.apiKey, match: app(n), times: 2, action: { kind: 'error', code: 'COORDINATOR_LOAD_IN_PROGRESS' } },
        { apiKey: InitProducerId.apiKey, match: app(n), nth: 3, times: 2, action: { kind: 'error', code: 'CONCURRENT_TRANSACTIONS' } },
      ]),
    )
  })
  it('exactly_once_v2: InitProducerId answered CONCURRENT_TRANSACTIONS at the re-initialization after a lost EndTxn answer', async () => {
    await runStreamsFaultCase(
      direct(),
      proxy(),
      faultCase(eos, (n) => [
        { apiKey: EndTxn.apiKey, match: app(n), times: Infinity, action: { kind: 'drop-response', then: 'disconnect' } },
        { apiKey: InitProducerId.apiKey, match: app(n), nth: 2, times: 3, action: { kind: 'error', code: 'CONCURRENT_TRANSACTIONS' } },
      ]),
    )
  })
  for (const guarantee of [eos, alos]) {
    it(`${guarantee}: OffsetFetch answered UNSTABLE_OFFSET_COMMIT at assignment`, async () => {
      await runStreamsFaultCase(direct(), proxy(), faultCase(guarantee, (n) => [{ apiKey: OffsetFetch.apiKey, match: app(n), times: 3, action: { kind: 'error', code: 'UNSTABLE_OFFSET_COMMIT' } }]))
    })
  }
  for (const code of ['COORDINATOR_LOAD_IN_PROGRESS', 'ILLEGAL_GENERATION']) {
    it(`at_least_once: OffsetCommit answered ${code}`, async () => {
      await runStreamsFaultCase(direct(), proxy(), faultCase(alos, (n) => [{ apiKey: OffsetCommit.apiKey, match: app(n), times: 2, action: { kind: 'error', code } }]))
    })
  }
  it('exactly_once_v2: a zombie (another producer with the same transactional id) fences the producer: tasks close dirty, a new producer takes over, nothing is output twice', async () => {
    let fencedAt = 0
    await runStreamsFaultCase(direct(), proxy(), {
      guarantee: eos,
      arm: () => [],
      acted: async (n) => {
        await until('a first commit', async () => ((await direct().admin().listGroupOffsets(n.applicationId)).find((o) => o.topic === n.input)?.offset ?? 0n) > 0n)
        const init = proxy().requests.find((r) => r.apiKey === InitProducerId.apiKey && app(n)(r))
        const transactionalId = String(init?.body.TransactionalId)
        expect(transactionalId).toContain(n.applicationId)
        // The zombie's init fences the app's producer (and aborts its open transaction).
        const zombie = direct().transactionalProducer({ transactionalId })
        await zombie.init()
        fencedAt = proxy().count(InitProducerId.apiKey, app(n))
        await zombie.close()
      },
    }).then(({ names, states }) => {
      expect(states, 'the app never failed').not.toContain('ERROR')
      expect(proxy().count(InitProducerId.apiKey, app(names)), 'the app initialized a new producer after the zombie').toBeGreaterThan(fencedAt)
    })
  })
  for (const [api, apiKey, code] of [
    ['Produce of an output record', Produce.apiKey, 'INVALID_PRODUCER_EPOCH'],
    ['TxnOffsetCommit', TxnOffsetCommit.apiKey, 'PRODUCER_FENCED'],
    ['EndTxn', EndTxn.apiKey, 'PRODUCER_FENCED'],
  ] as const) {
    it(`exactly_once_v2: ${api} answered ${code} (fenced): a new producer takes over, the app does not fail`, async () => {
      const { states } = await runStreamsFaultCase(
        direct(),
        proxy(),
        faultCase(eos, (n) => [apiKey === Produce.apiKey ? { apiKey, topic: n.echo, action: { kind: 'error', code } } : { apiKey, match: app(n), action: { kind: 'error', code } }]),
      )
      expect(states, 'states of the app').not.toContain('ERROR')
    })
  }
  for (const guarantee of [eos, alos]) {
    it(`${guarantee}: a second instance joins while the commits' answers are delayed`, async () => {
      const commitApis = guarantee === eos ? [TxnOffsetCommit.apiKey, EndTxn.apiKey] : [OffsetCommit.apiKey]
      let delays: FaultHandle[] = []
      await runStreamsFaultCase(direct(), proxy(), {
        guarantee,
        partitions: 2,
        arm: (n) => (delays = commitApis.map((apiKey) => proxy().addRule({ apiKey, match: app(n), times: Infinity, action: { kind: 'delay', ms: 1_000 } }))),
        acted: async (_n, _app, newInstance) => {
          await until('a delayed commit', () => delays.every((d) => d.applied >= 1))
          // It joins during that commit: the group rebalances while its answers are on their way.
          await newInstance().start()
        },
      })
    })
  }
  it('exactly_once_v2: the changelog Fetch of a restore is cut and answered with errors (after an abort re-creates the task)', async () => {
    await runStreamsFaultCase(
      direct(),
      proxy(),
      faultCase(eos, (n) => [
        { apiKey: TxnOffsetCommit.apiKey, match: app(n), action: { kind: 'error', code: 'ILLEGAL_GENERATION' } },
        { apiKey: Fetch.apiKey, topic: n.changelog, times: 1, action: { kind: 'disconnect' } },
        { apiKey: Fetch.apiKey, topic: n.changelog, nth: 2, times: 2, action: { kind: 'error', code: 'NOT_LEADER_OR_FOLLOWER' } },
      ]),
    )
  })
})

/** The values of partition 0 a read_committed reader sees (readAll reads uncommitted records too). */
async function readCommitted(client: Client, topic: string, partition = 0): Promise<string[]> {
  const pc = await client.partitionClient(topic, partition)
  const end = await pc.getOffset('latest')
  const out: string[] = []
  let next = 0n
  while (next < end) {
    const res = await pc.fetchRecords(next, { isolationLevel: 'read_committed', maxBytes: 4 << 20, maxWaitMs: 100 })
    for (const r of res.records) out.push(r.value?.toString() ?? '')
    if (res.nextOffset === next) break
    next = res.nextOffset
  }
  return out
}
