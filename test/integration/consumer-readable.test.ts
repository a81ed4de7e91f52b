// consumer.readable(): a group consumer's records through stream.pipeline, with their topic,
// partition and offset, and the positions committed once the pipeline has moved past them.
import { Transform, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, InvalidArgumentError, type ConsumedRecord } from '../../src/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

describe('GroupConsumer.readable', () => {
  it('pipes every record through a pipeline, then commits it', async () => {
    const topic = uniqueTopic('readable')
    await client.createTopic(topic, { partitions: 2 })
    const N = 500
    const producer = client.producer()
    await producer.sendBatch(Array.from({ length: N }, (_, i) => ({ topic, key: `k${i % 7}`, value: `v${i}` })))
    await producer.close()
    const groupId = uniqueTopic('readable-group')
    const consumer = client.groupConsumer({ groupId, topics: [topic], autoOffsetReset: 'earliest' })
    await consumer.start()
    const seen: ConsumedRecord[] = []
    const upper = new Transform({
      objectMode: true,
      transform(r: ConsumedRecord, _e, cb) {
        cb(null, { ...r, value: Buffer.from(r.value!.toString().toUpperCase()) })
      },
    })
    const sink = new Writable({
      objectMode: true,
      write(r: ConsumedRecord, _e, cb) {
        seen.push(r)
        // Ending the pipeline once every record arrived: destroying the source stops reading.
        if (seen.length === N) source.destroy()
        cb()
      },
    })
    const source = consumer.readable({ highWaterMark: 8 })
    await pipeline(source, upper, sink).catch((err: Error) => {
      if (err.name !== 'AbortError' && (err as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err
    })
    expect(seen.length).toBe(N)
    expect(new Set(seen.map((r) => r.value!.toString()))).toEqual(new Set(Array.from({ length: N }, (_, i) => `V${i}`)))
    for (const p of [0, 1]) {
      const offsets = seen.filter((r) => r.partition === p).map((r) => r.offset)
      expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)))
      expect(seen.filter((r) => r.partition === p).every((r) => r.topic === topic)).toBe(true)
    }
    // Every record was handled by the last stage: commit() takes the batch in hand too.
    await consumer.commit()
    await consumer.close()
    const committed = await client.admin().listGroupOffsets(groupId)
    expect(committed.reduce((sum, o) => sum + Number(o.offset), 0)).toBe(N)
  })

  it('rejects a bad highWaterMark', async () => {
    const consumer = client.groupConsumer({ groupId: uniqueTopic('readable-bad'), topics: [uniqueTopic('none')] })
    expect(() => consumer.readable({ highWaterMark: 0 })).toThrow(InvalidArgumentError)
    await consumer.close()
  })
})
