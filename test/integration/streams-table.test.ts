// KafkaStreams end to end: a KTable re-grouped and aggregated (per-region sum of user balances)
// with updates that move users between regions and tombstones that delete them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { KafkaStreams, Serdes, StreamsBuilder, keyValue } from '../../src/streams/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { int64, latestByKey, readTopic, tempStateDir, waitFor } from './streams-helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

interface Account {
  region: string
  balance: number
}

describe('KafkaStreams KTable aggregation', () => {
  it('per-region sums stay exact through updates, region moves and deletes', async () => {
    const input = uniqueTopic('accounts')
    const output = uniqueTopic('region-sums')
    const appId = uniqueTopic('tbl-app')
    await client.createTopic(input, { partitions: 2 })
    await client.createTopic(output, { partitions: 2 })

    const b = new StreamsBuilder()
    b.table(input, { key: Serdes.string(), value: Serdes.json<Account>() }, { name: 'accounts-store' })
      .groupBy((_user, acc) => keyValue(acc.region, acc.balance), { key: Serdes.string(), value: Serdes.int64(), name: 'by-region' })
      .aggregate(
        () => 0,
        (_region, balance, sum) => sum + balance,
        (_region, balance, sum) => sum - balance,
        { name: 'region-sums', key: Serdes.string(), value: Serdes.int64() },
      )
      .toStream()
      .to(output, { key: Serdes.string(), value: Serdes.int64() })

    // 300 users in 5 regions, then 600 updates (balance changes and region moves), then 60 deletes.
    const regions = ['north', 'south', 'east', 'west', 'center']
    const current = new Map<string, Account>()
    const records: Array<{ key: string; value: Account | null }> = []
    for (let u = 0; u < 300; u++) records.push({ key: `user-${u}`, value: { region: regions[u % 5], balance: u } })
    for (let i = 0; i < 600; i++) {
      const u = (i * 37) % 300
      records.push({ key: `user-${u}`, value: { region: regions[(u + i) % 5], balance: (i * 13) % 1000 } })
    }
    for (let u = 0; u < 300; u += 5) records.push({ key: `user-${u}`, value: null })
    for (const r of records) {
      if (r.value === null) current.delete(r.key)
      else current.set(r.key, r.value)
    }
    const expected = new Map<string, number>(regions.map((r) => [r, 0]))
    for (const a of current.values()) expected.set(a.region, (expected.get(a.region) ?? 0) + a.balance)

    const producer = client.producer({ lingerMs: 2 })
    // Keyed records: each user's updates stay in order on one partition.
    await producer.sendBatch(records.map((r) => ({ topic: input, key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(JSON.stringify(r.value)) })))
    await producer.close()

    // No record cache: a region whose users all leave within one commit would otherwise never show its 0.
    const app = new KafkaStreams(b.build(), { applicationId: appId, brokers: [bootstrap()], commitIntervalMs: 300, stateDir: tempStateDir(), heartbeatIntervalMs: 500, cacheMaxBytes: 0 })
    try {
      await app.start()
      await waitFor('exact region sums', async () => {
        const latest = latestByKey(await readTopic(client, output), int64)
        return regions.every((r) => latest.get(r) === expected.get(r))
      }, 40_000, 250)
      const latest = latestByKey(await readTopic(client, output), int64)
      expect(Object.fromEntries(latest)).toEqual(Object.fromEntries(expected))
      expect((await client.describeTopic(`${appId}-by-region-repartition`)).partitions.length).toBe(2)
      const sums = app.store<string, number>('region-sums')
      expect(Object.fromEntries([...sums.all()].map((e) => [e.key, e.value]))).toEqual(Object.fromEntries(expected))
      const accounts = app.store<string, Account>('accounts-store')
      expect(accounts.approximateNumEntries()).toBe(current.size)
      expect(app.metrics().recordsProcessed).toBeGreaterThanOrEqual(records.length)
    } finally {
      await app.close()
    }
  }, 60_000)
})
