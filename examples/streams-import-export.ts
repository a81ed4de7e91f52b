/**
 * In-process import and export: a file of JSON lines goes into a topology (importFrom), and the
 * changes of a table of per-user totals stream to an HTTP client as server-sent events
 * (toAsyncIterable). The example is its own HTTP client: it reads the events until the totals
 * match the file, prints them and exits.
 *
 *   KAFKA_CONNECT=127.0.0.1:9092 npx tsx examples/streams-import-export.ts [payments.jsonl]
 *
 * Without a file it writes a sample one (lines like {"user":"ada","amount":12}) to the temp dir.
 */
import { createReadStream, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { Client } from 'peridot-kafka'
import { KafkaStreams, Materialized, Serdes, StreamsBuilder } from 'peridot-kafka/streams'

interface Payment {
  user: string
  amount: number
}

function sampleFile(): string {
  const users = ['ada', 'grace', 'linus', 'barbara']
  const lines = Array.from({ length: 400 }, (_, i) => JSON.stringify({ user: users[i % users.length], amount: (i * 7) % 50 }))
  const file = join(tmpdir(), `payments-${Date.now().toString(36)}.jsonl`)
  writeFileSync(file, lines.join('\n') + '\n')
  return file
}

/** The file's payments as { key, value } records, read line by line (no whole-file buffer). */
async function* payments(file: string): AsyncGenerator<{ key: string; value: Payment }> {
  for await (const line of createInterface({ input: createReadStream(file) })) {
    if (line.trim() === '') continue
    const p = JSON.parse(line) as Payment
    yield { key: p.user, value: p }
  }
}

async function main(bootstrap: string, file: string): Promise<void> {
  const suffix = Date.now().toString(36)
  const input = `payments-${suffix}`
  const client = await Client.connect({ brokers: [bootstrap], clientId: 'import-export-example' })
  await client.createTopic(input, { partitions: 2 })
  await client.close()

  const builder = new StreamsBuilder()
  const totals = builder
    .stream(input, { key: Serdes.string(), value: Serdes.json<Payment>() })
    .groupByKey()
    .aggregate(
      () => 0,
      (_user, p, total) => total + p.amount,
      Materialized.with(Serdes.string(), Serdes.int64()),
    )
    .toStream()
    .toAsyncIterable()
  const app = new KafkaStreams(builder.build(), { applicationId: `import-export-${suffix}`, brokers: [bootstrap], processingGuarantee: 'exactly_once_v2' })
  await app.start()

  // The table's changes as server-sent events, for one client.
  const server = createServer(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    for await (const change of totals) {
      // Backpressure end to end: a slow client holds up the reader, and the reader the topology.
      if (!res.write(`data: ${JSON.stringify({ user: change.key, total: change.value })}\n\n`)) {
        await new Promise((resolve) => res.once('drain', resolve))
      }
    }
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/totals`

  const expected = new Map<string, number>()
  for await (const { value } of payments(file)) expected.set(value.user, (expected.get(value.user) ?? 0) + value.amount)
  const imported = await app.importFrom(input, payments(file))
  console.log(`imported ${imported} payments from ${file}`)

  const latest = new Map<string, number>()
  const done = () => [...expected].every(([user, total]) => latest.get(user) === total)
  const response = await fetch(url)
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true })
    for (let i = buffered.indexOf('\n\n'); i >= 0; i = buffered.indexOf('\n\n')) {
      const event = JSON.parse(buffered.slice('data: '.length, i)) as { user: string; total: number }
      buffered = buffered.slice(i + 2)
      latest.set(event.user, event.total)
    }
    if (done()) break
  }
  for (const [user, total] of [...latest].sort()) console.log(`${user}: ${total}`)
  await app.close() // ends the export, so the response ends too
  server.close()
  if (!done()) throw new Error('the totals did not match the file')
}

main(process.env.KAFKA_CONNECT ?? '127.0.0.1:9092', process.argv[2] ?? sampleFile()).catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
