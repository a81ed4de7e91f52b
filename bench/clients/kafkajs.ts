/** KafkaJS: producer.send with arrays of messages, consumer.run eachBatch, and its internal record-batch codec. */
import { createRequire } from 'node:module'
import { Kafka, logLevel, type Message } from 'kafkajs'
import { fixedRate, now, payload, recordsPerBatch, runChild, Window, type Job, type JobResult } from '../common.js'
import { timeLoopAsync } from './timing.js'

function kafka(job: Job): Kafka {
  return new Kafka({ clientId: 'bench-kafkajs', brokers: [job.bootstrap], logLevel: logLevel.NOTHING })
}

async function produce(job: Job): Promise<JobResult> {
  const producer = kafka(job).producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const value = payload(job.recordSize)
  await producer.send({ topic: job.topic, acks: -1, messages: [{ value, partition: 0 }] })
  // One send call carries one batch's worth of records for every partition.
  const perSend = recordsPerBatch(job) * job.partitions
  const window = new Window(5)
  const t0 = now()
  for (let i = 1; i < job.records; i += perSend) {
    const n = Math.min(perSend, job.records - i)
    const messages: Message[] = new Array(n)
    for (let k = 0; k < n; k++) messages[k] = { value, partition: (i + k) % job.partitions }
    await window.add(producer.send({ topic: job.topic, acks: -1, messages }))
  }
  await window.drain()
  const seconds = (now() - t0) / 1000
  await producer.disconnect()
  return { kind: 'produce', records: job.records - 1, bytes: (job.records - 1) * job.recordSize, seconds }
}

async function fetch(job: Job): Promise<JobResult> {
  const consumer = kafka(job).consumer({
    groupId: `bench-kafkajs-${process.pid}-${Date.now()}`,
    maxBytesPerPartition: job.batchBytes * 4,
    maxWaitTimeInMs: 100,
  })
  await consumer.connect()
  await consumer.subscribe({ topic: job.topic, fromBeginning: true })
  let records = 0
  let bytes = 0
  let t0 = 0
  let t1 = 0
  // Timed from the group join (as Java's fetch.time.ms excludes the rebalance): fetching starts then.
  consumer.on(consumer.events.GROUP_JOIN, () => (t0 = now()))
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        partitionsConsumedConcurrently: job.partitions,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            records++
            bytes += m.value?.length ?? 0
          }
          if (records >= job.records && t1 === 0) {
            t1 = now()
            resolve()
          }
        },
      })
      .catch(reject)
  })
  await consumer.disconnect()
  return { kind: 'fetch', records, bytes, seconds: (t1 - t0) / 1000 }
}

async function latency(job: Job): Promise<JobResult> {
  const producer = kafka(job).producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const value = payload(job.recordSize)
  await producer.send({ topic: job.topic, acks: -1, messages: [{ value, partition: 0 }] })
  const res = await fixedRate(job, () => producer.send({ topic: job.topic, acks: -1, messages: [{ value, partition: 0 }] }))
  await producer.disconnect()
  return res
}

// KafkaJS's record-batch codec is internal (CommonJS, untyped): reached by path inside the package.
interface KjsEncoder {
  buffer: Buffer
}
type KjsRecord = (r: { offsetDelta: number; timestampDelta: number; key: Buffer | null; value: Buffer }) => KjsEncoder
type KjsRecordBatch = (o: { records: KjsEncoder[]; firstTimestamp: number; maxTimestamp: number; lastOffsetDelta: number }) => Promise<KjsEncoder>
type KjsDecoderCtor = new (buf: Buffer) => unknown
type KjsBatchDecoder = (d: unknown) => Promise<{ records: unknown[] }>

async function codec(job: Job): Promise<JobResult> {
  const require = createRequire(import.meta.url)
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as KjsRecord
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: KjsRecordBatch }
  const Decoder = require('kafkajs/src/protocol/decoder') as KjsDecoderCtor
  const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as KjsBatchDecoder
  const n = recordsPerBatch(job)
  const value = payload(job.recordSize)
  const ts = Date.now()
  // What KafkaJS's Produce v3 request does per batch: one Record encoder per message, then the batch.
  const encode = async () => {
    const records = new Array<KjsEncoder>(n)
    for (let i = 0; i < n; i++) records[i] = Record({ offsetDelta: i, timestampDelta: 0, key: null, value })
    return (await RecordBatch({ records, firstTimestamp: ts, maxTimestamp: ts, lastOffsetDelta: n - 1 })).buffer
  }
  const encoded = await encode()
  const encPerSec = await timeLoopAsync(encode)
  let sink = 0
  const decPerSec = await timeLoopAsync(async () => {
    sink += (await decodeBatch(new Decoder(encoded))).records.length
  })
  if (sink === 0) throw new Error('decoded nothing')
  return { kind: 'codec', encodeMBps: (encPerSec * encoded.length) / 1e6, decodeMBps: (decPerSec * encoded.length) / 1e6 }
}

runChild((job) => ({ produce, fetch, latency, codec })[job.kind](job))
