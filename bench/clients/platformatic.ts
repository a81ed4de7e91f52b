/** @platformatic/kafka (needs Node >= 22): producer.send with arrays of messages, consumer stream. */
import { Consumer, Producer } from '@platformatic/kafka'
import { fixedRate, now, payload, recordsPerBatch, runChild, Window, type Job, type JobResult } from '../common.js'

function producer(job: Job): Producer<Buffer, Buffer, Buffer, Buffer> {
  return new Producer({ clientId: 'bench-platformatic', bootstrapBrokers: [job.bootstrap], acks: -1 })
}

async function produce(job: Job): Promise<JobResult> {
  const p = producer(job)
  const value = payload(job.recordSize)
  const topic = job.topic
  await p.send({ messages: [{ topic, value, partition: 0 }] })
  // One send call carries one batch's worth of records for every partition.
  const perSend = recordsPerBatch(job) * job.partitions
  const window = new Window(5)
  const t0 = now()
  for (let i = 1; i < job.records; i += perSend) {
    const n = Math.min(perSend, job.records - i)
    const messages = new Array<{ topic: string; value: Buffer; partition: number }>(n)
    for (let k = 0; k < n; k++) messages[k] = { topic, value, partition: (i + k) % job.partitions }
    await window.add(p.send({ messages }))
  }
  await window.drain()
  const seconds = (now() - t0) / 1000
  await p.close()
  return { kind: 'produce', records: job.records - 1, bytes: (job.records - 1) * job.recordSize, seconds }
}

async function fetch(job: Job): Promise<JobResult> {
  const consumer = new Consumer({
    clientId: 'bench-platformatic',
    groupId: `bench-platformatic-${process.pid}-${Date.now()}`,
    bootstrapBrokers: [job.bootstrap],
    maxBytes: job.batchBytes * 4 * job.partitions,
    maxBytesPerPartition: job.batchBytes * 4,
    maxWaitTime: 100,
  })
  // consume() resolves once the group is joined; fetching starts then.
  const stream = await consumer.consume({ topics: [job.topic], mode: 'earliest', autocommit: false })
  const t0 = now()
  let records = 0
  let bytes = 0
  let t1 = 0
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject)
    stream.on('data', (m: { value?: Buffer }) => {
      records++
      bytes += m.value?.length ?? 0
      if (records >= job.records && t1 === 0) {
        t1 = now()
        resolve()
      }
    })
  })
  await stream.close()
  await consumer.close(true)
  return { kind: 'fetch', records, bytes, seconds: (t1 - t0) / 1000 }
}

async function latency(job: Job): Promise<JobResult> {
  const p = producer(job)
  const value = payload(job.recordSize)
  await p.send({ messages: [{ topic: job.topic, value, partition: 0 }] })
  const res = await fixedRate(job, () => p.send({ messages: [{ topic: job.topic, value, partition: 0 }] }))
  await p.close()
  return res
}

runChild((job) => {
  if (job.kind === 'codec') throw new Error('no codec job for this client')
  return ({ produce, fetch, latency })[job.kind](job)
})
