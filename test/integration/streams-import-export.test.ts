// In-process import and export against the broker: KafkaStreams.importFrom() writes records to
// the source topic, KStream.toAsyncIterable() hands the output to a reader, and the commit gate
// keeps committed input offsets behind what the reader has finished, so records the reader had
// not taken when the application closed are exported again by the next run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { Serdes, StreamsBuilder, type ProcessingGuarantee } from '../../src/streams/index.js'
import { uniqueTopic } from './helpers.js'
import { testStreamsApp } from './streams-helpers.js'
import { bootstrap } from './helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

const PARTITIONS = 3

function upperCaseExport(input: string, highWaterMark: number) {
  const b = new StreamsBuilder()
  const exported = b
    .stream(input, { key: Serdes.string(), value: Serdes.string() })
    .mapValues((v) => v.toUpperCase())
    .toAsyncIterable({ highWaterMark })
  return { topology: b.build(), exported }
}

async function* numbered(n: number): AsyncGenerator<{ key: string; value: string }> {
  for (let i = 0; i < n; i++) yield { key: `k${i % 37}`, value: `v${i}` }
}

async function committedTotal(groupId: string, topic: string): Promise<number> {
  const offsets = await client.admin().listGroupOffsets(groupId)
  return offsets.filter((o) => o.topic === topic).reduce((sum, o) => sum + Number(o.offset), 0)
}

describe('KafkaStreams.importFrom and KStream.toAsyncIterable', () => {
  it('imports records, exports each once, and never commits input past what the reader finished (exactly_once_v2)', async () => {
    const input = uniqueTopic('export-in')
    await client.createTopic(input, { partitions: PARTITIONS })
    const N = 3000
    const { topology, exported } = upperCaseExport(input, 50)
    const appId = uniqueTopic('export-app')
    const app = testStreamsApp(topology, appId, 'exactly_once_v2')
    await app.start()
    const imported = app.importFrom(input, numbered(N))
    const seen: string[] = []
    let checks = 0
    for await (const r of exported) {
      seen.push(r.value)
      if (seen.length % 150 === 0) {
        // While this record is in hand no commit may pass it: every committed input record's
        // output was finished by the reader (the records before this one).
        const committed = await committedTotal(appId, input)
        expect(committed).toBeLessThanOrEqual(seen.length - 1)
        checks++
      }
      if (seen.length === N) await app.close()
    }
    expect(await imported).toBe(N)
    expect(checks).toBe(N / 150)
    expect(seen.length).toBe(N)
    expect(new Set(seen).size).toBe(N)
    expect(seen.slice().sort()).toEqual(Array.from({ length: N }, (_, i) => `V${i}`).sort())
    // After close every record is committed (the reader had finished them all).
    expect(await committedTotal(appId, input)).toBe(N)
  })

  for (const guarantee of ['at_least_once', 'exactly_once_v2'] as ProcessingGuarantee[]) {
    it(`exports records the reader had not taken at close again in the next run (${guarantee})`, async () => {
      const input = uniqueTopic('export-restart')
      await client.createTopic(input, { partitions: PARTITIONS })
      const N = 2000
      const producer = client.producer({ lingerMs: 5 })
      await producer.sendBatch(Array.from({ length: N }, (_, i) => ({ topic: input, key: `k${i % 37}`, value: `v${i}` })))
      await producer.close()
      const appId = uniqueTopic('export-restart-app')

      const first = upperCaseExport(input, 1000)
      const app1 = testStreamsApp(first.topology, appId, guarantee)
      await app1.start()
      const firstSeen: string[] = []
      for await (const r of first.exported) {
        firstSeen.push(r.value)
        // Close with records still queued for this reader: they must not be committed.
        if (firstSeen.length === 300) {
          expect(first.exported.queued).toBeGreaterThan(0)
          await app1.close()
        }
      }
      expect(firstSeen.length).toBe(300)

      const second = upperCaseExport(input, 1000)
      const app2 = testStreamsApp(second.topology, appId, guarantee)
      await app2.start()
      const all = new Set(firstSeen)
      let secondCount = 0
      for await (const r of second.exported) {
        all.add(r.value)
        secondCount++
        if (all.size === N) await app2.close()
      }
      expect(all.size).toBe(N)
      // The second run starts at the last commit, at or before the first reader's position.
      expect(secondCount).toBeGreaterThanOrEqual(N - 300)
    })
  }

  it('refuses importFrom before start and without serdes', async () => {
    const input = uniqueTopic('export-bad')
    await client.createTopic(input, { partitions: 1 })
    const { topology } = upperCaseExport(input, 10)
    const app = testStreamsApp(topology, uniqueTopic('export-bad-app'))
    await expect(app.importFrom('x', [])).rejects.toThrow(/started application/)
    await app.start()
    try {
      await expect(app.importFrom('not-a-source', [{ key: 'a', value: 'b' }])).rejects.toThrow(/no key serde/)
      await expect(app.importFrom('', [])).rejects.toThrow(/topic name/)
    } finally {
      await app.close()
    }
  })
})
