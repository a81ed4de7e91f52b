import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, KafkaProtocolError, type PartitionFetch } from '../../src/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

const values = (r: PartitionFetch): string[] => {
  if (r.error) throw r.error
  return r.records.map((x) => x.value!.toString())
}

describe('Client.fetchMany', () => {
  it('reads 3 partitions in one call, each with its own records and offsets', async () => {
    const topic = uniqueTopic('fetch-many')
    await client.createTopic(topic, { partitions: 3 })
    for (let p = 0; p < 3; p++) {
      const pc = await client.partitionClient(topic, p)
      await pc.produce(Array.from({ length: 10 + p }, (_, i) => ({ key: null, value: Buffer.from(`p${p}-${i}`) })))
    }
    const res = await client.fetchMany([
      { topic, partition: 2, offset: 0n },
      { topic, partition: 0, offset: 0n },
      { topic, partition: 1, offset: 5n },
    ])
    expect(res.map((r) => [r.topic, r.partition])).toEqual([
      [topic, 2],
      [topic, 0],
      [topic, 1],
    ])
    expect(values(res[0])).toEqual(Array.from({ length: 12 }, (_, i) => `p2-${i}`))
    expect(values(res[1])).toEqual(Array.from({ length: 10 }, (_, i) => `p0-${i}`))
    expect(values(res[2])).toEqual(Array.from({ length: 6 }, (_, i) => `p1-${i + 5}`))
    for (const [r, n] of [[res[0], 12n], [res[1], 10n], [res[2], 11n]] as const) {
      if (r.error) throw r.error
      expect(r.highWatermark).toBe(n)
      expect(r.nextOffset).toBe(n)
      expect(r.records.map((x) => x.offset)).toEqual(r.records.map((_, i) => n - BigInt(r.records.length) + BigInt(i)))
    }
    // A fetcher of its own: consecutive calls continue from nextOffset; at the end, empty results after maxWaitMs.
    await using fetcher = client.fetcher()
    const first = await fetcher.fetch([{ topic, partition: 0, offset: 0n, maxBytes: 1 }])
    expect(first[0].error).toBeUndefined()
    const tail = await fetcher.fetch([{ topic, partition: 0, offset: 10n }], { maxWaitMs: 50 })
    expect(values(tail[0])).toEqual([])
    await client.deleteTopic(topic)
  })

  it('reports an unknown topic and an offset out of range per partition, next to good results', async () => {
    const topic = uniqueTopic('fetch-many-err')
    await client.createTopic(topic, { partitions: 2 })
    await (await client.partitionClient(topic, 0)).produce([{ key: null, value: Buffer.from('x') }])
    const missing = uniqueTopic('no-such-topic')
    const res = await client.fetchMany([
      { topic, partition: 0, offset: 0n },
      { topic: missing, partition: 0, offset: 0n },
      { topic, partition: 1, offset: 42n },
      { topic, partition: 9, offset: 0n },
    ])
    expect(values(res[0])).toEqual(['x'])
    for (const [i, type] of [
      [1, 'UNKNOWN_TOPIC_OR_PARTITION'],
      [2, 'OFFSET_OUT_OF_RANGE'],
      [3, 'UNKNOWN_TOPIC_OR_PARTITION'],
    ] as const) {
      const r = res[i]
      expect(r.error).toBeInstanceOf(KafkaProtocolError)
      expect((r.error as KafkaProtocolError).type).toBe(type)
    }
    expect(res[1].topic).toBe(missing)
    await expect(client.fetchMany([{ topic, partition: 0, offset: -1n }])).rejects.toThrow(/offset/)
    await expect(client.fetchMany([{ topic, partition: 0, offset: 0n }, { topic, partition: 0, offset: 1n }])).rejects.toThrow(/twice/)
    await client.deleteTopic(topic)
  })
})
