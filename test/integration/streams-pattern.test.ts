// KafkaStreams reading its input by pattern: every topic matching when the application starts
// is consumed; a pattern matching nothing is a clear configuration error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { KafkaStreams, Serdes, StreamsBuilder, StreamsConfigError } from '../../src/streams/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { readTopic, tempStateDir, waitFor } from './streams-helpers.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

describe('KafkaStreams pattern sources', () => {
  it('consumes every topic the pattern matches', async () => {
    const prefix = uniqueTopic('pat')
    const inputs = [`${prefix}-orders-eu`, `${prefix}-orders-us`]
    const unrelated = `${prefix}-payments`
    const output = `${prefix}-out`
    for (const t of [...inputs, unrelated, output]) await client.createTopic(t, { partitions: 2 })
    const producer = client.producer({ lingerMs: 2 })
    for (const t of [...inputs, unrelated]) {
      await producer.sendBatch(Array.from({ length: 50 }, (_, i) => ({ topic: t, key: Buffer.from(`k${i}`), value: Buffer.from(`${t}:${i}`) })))
    }
    await producer.close()

    const b = new StreamsBuilder()
    b.stream(new RegExp(`^${prefix}-orders-.*$`), { key: Serdes.string(), value: Serdes.string() })
      .mapValues((v) => v.toUpperCase())
      .to(output, { key: Serdes.string(), value: Serdes.string() })
    const app = new KafkaStreams(b.build(), { applicationId: uniqueTopic('pat-app'), brokers: [bootstrap()], stateDir: tempStateDir(), commitIntervalMs: 200 })
    try {
      await app.start()
      await waitFor('100 outputs', async () => (await readTopic(client, output)).length >= 100, 40_000, 250)
      const values = (await readTopic(client, output)).map((r) => r.value!.toString()).sort()
      const expected = inputs.flatMap((t) => Array.from({ length: 50 }, (_, i) => `${t}:${i}`.toUpperCase())).sort()
      expect(values).toEqual(expected)
    } finally {
      await app.close()
    }

    const none = new StreamsBuilder()
    none.stream(new RegExp(`^${prefix}-nothing-.*$`), { key: Serdes.string(), value: Serdes.string() }).to(output, { key: Serdes.string(), value: Serdes.string() })
    const bad = new KafkaStreams(none.build(), { applicationId: uniqueTopic('pat-none'), brokers: [bootstrap()], stateDir: tempStateDir() })
    await expect(bad.start()).rejects.toBeInstanceOf(StreamsConfigError)
    await bad.close()
  }, 90_000)
})
