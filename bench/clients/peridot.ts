/**
 * Peridot: Producer.sendBatch (default) or per-record Producer.send ('send' variant) or
 * PartitionClient.produce arrays ('partition-client'); Client.fetchMany (default) or
 * PartitionClient.consume per partition ('partition-client'); record codec.
 */
import { Client, type ProducerRecord } from '../../src/index.js'
import { decodeRecordBatches, encodeRecordBatchToBuffer, type ProduceRecord } from '../../src/protocol/records/index.js'
import { fixedRate, now, payload, recordsPerBatch, runChild, Window, type Job, type JobResult } from '../common.js'
import { timeLoop } from './timing.js'

async function produce(job: Job): Promise<JobResult> {
  if (job.variant === 'partition-client') return produceArrays(job)
  if (job.variant === 'send') return produceSend(job)
  const client = await Client.connect({ brokers: [job.bootstrap], clientId: 'bench-peridot' })
  const producer = client.producer({ lingerMs: job.lingerMs, maxBatchBytes: job.batchBytes, compression: 'none', acks: -1 })
  const value = payload(job.recordSize)
  const topic = job.topic
  await producer.send({ topic, value, partition: 0 })
  // As the peers: one sendBatch call carries one batch's worth of records for every partition, 5 calls in flight.
  const perCall = recordsPerBatch(job) * job.partitions
  const window = new Window(5)
  const t0 = now()
  for (let i = 1; i < job.records; i += perCall) {
    const n = Math.min(perCall, job.records - i)
    const records = new Array<ProducerRecord>(n)
    for (let k = 0; k < n; k++) records[k] = { topic, value, partition: (i + k) % job.partitions }
    await window.add(producer.sendBatch(records))
  }
  await window.drain()
  const seconds = (now() - t0) / 1000
  await producer.close()
  await client.close()
  return { kind: 'produce', records: job.records - 1, bytes: (job.records - 1) * job.recordSize, seconds }
}

/** Producer.send per record (one promise each), batched per partition by the BatchProducers. */
async function produceSend(job: Job): Promise<JobResult> {
  const client = await Client.connect({ brokers: [job.bootstrap], clientId: 'bench-peridot' })
  const producer = client.producer({ lingerMs: job.lingerMs, maxBatchBytes: job.batchBytes, compression: 'none', acks: -1 })
  const value = payload(job.recordSize)
  const topic = job.topic
  // Warm up connections and metadata outside the timed region.
  await producer.send({ topic, value, partition: 0 })
  // As many records outstanding as fill every partition's in-flight batches (5 each) plus one open batch.
  const window = new Window(6 * job.partitions * recordsPerBatch(job))
  const t0 = now()
  for (let i = 1; i < job.records; i++) await window.add(producer.send({ topic, value, partition: i % job.partitions }))
  await window.drain()
  const seconds = (now() - t0) / 1000
  await producer.close()
  await client.close()
  return { kind: 'produce', records: job.records - 1, bytes: (job.records - 1) * job.recordSize, seconds }
}

/** PartitionClient.produce with one batch's worth of records per call, 5 calls in flight per partition. */
async function produceArrays(job: Job): Promise<JobResult> {
  const client = await Client.connect({ brokers: [job.bootstrap], clientId: 'bench-peridot' })
  const pcs = await Promise.all(Array.from({ length: job.partitions }, (_, p) => client.partitionClient(job.topic, p)))
  const value = payload(job.recordSize)
  await pcs[0].produce([{ key: null, value }])
  const perCall = recordsPerBatch(job)
  const total = job.records - 1
  const t0 = now()
  await Promise.all(
    pcs.map(async (pc, p) => {
      const mine = Math.floor(total / job.partitions) + (p < total % job.partitions ? 1 : 0)
      const window = new Window(5)
      for (let i = 0; i < mine; i += perCall) {
        const n = Math.min(perCall, mine - i)
        const records = new Array<ProduceRecord>(n)
        for (let k = 0; k < n; k++) records[k] = { key: null, value }
        await window.add(pc.produce(records, { acks: -1 }))
      }
      await window.drain()
    }),
  )
  const seconds = (now() - t0) / 1000
  await client.close()
  return { kind: 'produce', records: total, bytes: total * job.recordSize, seconds }
}

async function fetch(job: Job): Promise<JobResult> {
  if (job.variant === 'partition-client') return fetchConsume(job)
  const client = await Client.connect({ brokers: [job.bootstrap], clientId: 'bench-peridot' })
  const pcs = await Promise.all(Array.from({ length: job.partitions }, (_, p) => client.partitionClient(job.topic, p)))
  const ends = await Promise.all(pcs.map((pc) => pc.getOffset('latest')))
  const fetcher = client.fetcher()
  let records = 0
  let bytes = 0
  const t0 = now()
  // All partitions in one Fetch request per call; the next request is in flight while this result is read.
  let wanted = ends.map((end, partition) => ({ topic: job.topic, partition, offset: 0n, maxBytes: job.batchBytes * 4, end })).filter((w) => w.end > 0n)
  const opts = { maxBytes: job.batchBytes * 4 * job.partitions, maxWaitMs: 100 }
  let next = wanted.length > 0 ? fetcher.fetch(wanted, opts) : undefined
  while (next) {
    const results = await next
    const following = wanted.map((w, i) => {
      const r = results[i]
      if (r.error) throw r.error
      return { ...w, offset: r.nextOffset }
    })
    wanted = following.filter((w) => w.offset < w.end)
    next = wanted.length > 0 ? fetcher.fetch(wanted, opts) : undefined
    for (const r of results) {
      if (r.error) continue
      for (const rec of r.records) {
        records++
        bytes += rec.value?.length ?? 0
      }
    }
  }
  const seconds = (now() - t0) / 1000
  await client.close()
  if (records < job.records) throw new Error(`read ${records} of ${job.records} records`)
  return { kind: 'fetch', records, bytes, seconds }
}

/** PartitionClient.consume per partition (each with its own fetch connection and prefetch). */
async function fetchConsume(job: Job): Promise<JobResult> {
  const client = await Client.connect({ brokers: [job.bootstrap], clientId: 'bench-peridot' })
  let records = 0
  let bytes = 0
  const abort = new AbortController()
  const pcs = await Promise.all(Array.from({ length: job.partitions }, (_, p) => client.partitionClient(job.topic, p)))
  const ends = await Promise.all(pcs.map((pc) => pc.getOffset('latest')))
  const t0 = now()
  const readPartition = async (p: number) => {
    const pc = pcs[p]
    const end = ends[p]
    if (end === 0n) return
    for await (const res of pc.consume({ from: 0n, maxBytes: job.batchBytes * 4, maxWaitMs: 100, signal: abort.signal })) {
      for (const r of res.records) {
        records++
        bytes += r.value?.length ?? 0
      }
      if (res.nextOffset >= end) break
    }
  }
  await Promise.all(Array.from({ length: job.partitions }, (_, p) => readPartition(p)))
  const seconds = (now() - t0) / 1000
  await client.close()
  if (records < job.records) throw new Error(`read ${records} of ${job.records} records`)
  return { kind: 'fetch', records, bytes, seconds }
}

async function latency(job: Job): Promise<JobResult> {
  const client = await Client.connect({ brokers: [job.bootstrap], clientId: 'bench-peridot' })
  const producer = client.producer({ lingerMs: 0, acks: -1 })
  const value = payload(job.recordSize)
  await producer.send({ topic: job.topic, value, partition: 0 })
  const res = await fixedRate(job, () => producer.send({ topic: job.topic, value, partition: 0 }))
  await producer.close()
  await client.close()
  return res
}

async function codec(job: Job): Promise<JobResult> {
  const n = recordsPerBatch(job)
  const value = payload(job.recordSize)
  const ts = Date.now()
  const records: ProduceRecord[] = Array.from({ length: n }, () => ({ key: null, value, timestamp: ts }))
  const encoded = encodeRecordBatchToBuffer(records)
  const encPerSec = timeLoop(() => encodeRecordBatchToBuffer(records))
  let sink = 0
  const decPerSec = timeLoop(() => {
    for (const b of decodeRecordBatches(encoded)) sink += b.records().length
  })
  if (sink === 0) throw new Error('decoded nothing')
  return { kind: 'codec', encodeMBps: (encPerSec * encoded.length) / 1e6, decodeMBps: (decPerSec * encoded.length) / 1e6 }
}

runChild((job) => ({ produce, fetch, latency, codec })[job.kind](job))
