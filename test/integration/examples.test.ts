// Every file in examples/ runs as written against the broker (as a user runs it: node with the
// tsx loader, the package imported by name) and prints what it promises. group-consumer.ts and
// share-consumer.ts have their own files (they run until Ctrl-C), sasl-tls.ts runs in security.test.ts (it needs the secure
// broker). The examples exercise the public API, not version-specific protocol paths, so they
// run against the newest Kafka only: the 3.9 run would repeat them at a minute of CI time.
import { readdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { DEFAULT_KAFKA_VERSION } from '../../src/dev/broker.js'
import { bootstrap, kafkaVersion, uniqueTopic } from './helpers.js'
import { EXAMPLES_DIR, runExample, startExample } from './run-example.js'
import { readTopic, waitFor } from './streams-helpers.js'

/** Examples that run to completion, and a line of their output that shows they did their job. */
const RUN_TO_END: Record<string, RegExp> = {
  'admin.ts': /^cluster \S+, controller \d+, brokers: [^\n]*\nfinalized features: [^\n]*metadata\.version=\d+[\s\S]*^broker \d+ \/\S+: \d+ bytes of /m,
  'demo.ts': /^Read back and verified 200,000 entries/m,
  'streams-joins.ts': /o2 bob 12: NOT PAID in 5 minutes/,
  'streams-table-joins.ts': /^table joins: ok$/m,
  'streams-windowed.ts': /^user-0 in the last minute \(window store\): \d+$/m,
  'streams-wordcount.ts': /^Interactive query: word-counts\['kafka'\] = 3$/m,
  'streams-wordcount-test.ts': /^word count topology: ok$/m,
  'streams-import-export.ts': /^imported 400 payments[\s\S]*^ada: 2400$/m,
}
const ELSEWHERE = ['group-consumer.ts', 'sasl-tls.ts', 'share-consumer.ts']

const olderKafka = kafkaVersion() !== DEFAULT_KAFKA_VERSION && kafkaVersion() !== 'external'

describe.skipIf(olderKafka)('examples/ run as written', () => {
  let client: Client
  beforeAll(async () => {
    client = await Client.connect({ brokers: [bootstrap()] })
  })
  afterAll(async () => {
    await client?.close()
  })

  it('has a test for every example', () => {
    const files = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.ts'))
    expect(files.sort()).toEqual([...Object.keys(RUN_TO_END), 'transactions.ts', ...ELSEWHERE].sort())
  })

  for (const [file, shows] of Object.entries(RUN_TO_END)) {
    it.concurrent(file, async () => {
      const { code, output } = await runExample(file, [], { KAFKA_CONNECT: bootstrap() })
      expect(code, output).toBe(0)
      expect(output).toMatch(shows)
    }, 150_000)
  }

  it('transactions.ts transforms its input exactly once and stops on Ctrl-C', async () => {
    const input = uniqueTopic('ex-orders')
    const output = uniqueTopic('ex-orders-upper')
    await client.createTopic(input, { partitions: 2 })
    await client.createTopic(output, { partitions: 2 })
    const producer = client.producer()
    await producer.sendBatch(Array.from({ length: 40 }, (_, i) => ({ topic: input, key: `o${i}`, value: `order ${i}` })))
    await producer.close()
    const ex = startExample('transactions.ts', [input, output, uniqueTopic('ex-uppercaser')], { KAFKA_CONNECT: bootstrap() })
    try {
      let out: string[] = []
      await waitFor('the uppercased orders', async () => {
        out = (await readTopic(client, output, 'read_committed')).map((r) => r.value!.toString())
        return out.length >= 40
      }, 90_000, 300)
      expect(out.sort()).toEqual(Array.from({ length: 40 }, (_, i) => `ORDER ${i}`).sort())
      ex.child.kill('SIGINT')
      const exit = await ex.exited
      expect(exit, ex.output()).toEqual({ code: 0, signal: null })
      expect(ex.output()).toMatch(/records transformed up to \d+ \(transaction version \d\)/)
    } finally {
      ex.child.kill('SIGKILL')
    }
  }, 120_000)
})
