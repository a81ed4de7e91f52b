// producer.writable(): a write completes only once its record has buffer space; the stream
// finishes once every record is acknowledged and fails with the first send error.
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, expect, it } from 'vitest'
import { BatchProducer } from '../../../src/client/producer/batch-producer.js'
import { BufferExhaustedError, RecordTooLargeError } from '../../../src/client/producer/errors.js'
import { ProducerWritable } from '../../../src/client/producer/producer-writable.js'
import type { ProducerRecord, RecordMetadata } from '../../../src/client/producer/producer.js'
import type { PartitionClient } from '../../../src/client/partition-client.js'

/** A fake producer: admission and acknowledgement are driven by the test. */
class FakeSends {
  readonly admitQueue: Array<() => void> = []
  readonly acks: Array<{ resolve: (m: RecordMetadata) => void; reject: (e: Error) => void; record: ProducerRecord }> = []
  send = (record: ProducerRecord, onAdmitted: () => void): Promise<RecordMetadata> =>
    new Promise((resolve, reject) => {
      this.admitQueue.push(onAdmitted)
      this.acks.push({ resolve, reject, record })
    })
}

const tick = () => new Promise<void>((r) => setImmediate(r))

describe('ProducerWritable', () => {
  it('takes the next record only once the previous one has buffer space, and finishes once all are acknowledged', async () => {
    const fake = new FakeSends()
    const w = new ProducerWritable('t', fake.send, { highWaterMark: 2 })
    const source = Readable.from(Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` })))
    let finished = false
    const done = pipeline(source, w).then(() => (finished = true))
    await tick()
    // One record handed to the producer, waiting for space: the rest wait in the streams.
    expect(fake.acks).toHaveLength(1)
    expect(fake.acks[0].record).toEqual({ value: 'v0', topic: 't' })
    for (let i = 0; i < 10; i++) {
      fake.admitQueue.shift()!()
      await tick()
    }
    expect(fake.acks).toHaveLength(10)
    await tick()
    expect(finished).toBe(false) // written, not acknowledged yet
    for (const a of fake.acks) a.resolve({ topic: 't', partition: 0, offset: 0n })
    await done
    expect(finished).toBe(true)
  })

  it('fails the write of a record refused before it had buffer space, and destroys the stream on a later failure', async () => {
    const fake = new FakeSends()
    const w = new ProducerWritable('t', fake.send)
    const failed = pipeline(Readable.from([{ value: 'a' }, { value: 'b' }]), w)
    await tick()
    fake.acks[0].reject(new BufferExhaustedError('full'))
    await expect(failed).rejects.toBeInstanceOf(BufferExhaustedError)

    const fake2 = new FakeSends()
    const w2 = new ProducerWritable('t', fake2.send)
    const failed2 = pipeline(Readable.from([{ value: 'a' }]), w2)
    await tick()
    fake2.admitQueue.shift()!()
    await tick()
    fake2.acks[0].reject(new RecordTooLargeError('refused by the broker'))
    await expect(failed2).rejects.toBeInstanceOf(RecordTooLargeError)
  })

  it('refuses records for another topic and non-objects', async () => {
    const fake = new FakeSends()
    await expect(pipeline(Readable.from([{ topic: 'u', value: 'x' }]), new ProducerWritable('t', fake.send))).rejects.toThrow(/writes to topic 't'/)
    expect(() => new ProducerWritable('t', fake.send, { highWaterMark: 0 })).toThrow(/highWaterMark/)
  })
})

describe('BatchProducer buffer', () => {
  it('a produce() that waits longer than maxBlockMs fails with BufferExhaustedError; nothing of it is sent', async () => {
    let sent = 0
    const never = { produceEncoded: () => (sent++, new Promise<bigint>(() => undefined)) } as unknown as PartitionClient
    const bp = new BatchProducer(never, { maxBufferedBytes: 200, maxBlockMs: 20, lingerMs: 0 })
    const first = bp.produce({ value: Buffer.alloc(100) })
    const waiting = bp.produce({ value: Buffer.alloc(100) })
    await expect(waiting).rejects.toBeInstanceOf(BufferExhaustedError)
    await expect(waiting).rejects.toThrow(/within maxBlockMs \(20 ms\)/)
    expect(sent).toBe(1)
    void first
  })

  it('refuses a record above maxRequestSize at once, naming both sizes', async () => {
    const never = { produceEncoded: () => new Promise<bigint>(() => undefined) } as unknown as PartitionClient
    const bp = new BatchProducer(never, { maxRequestSize: 1000 })
    await expect(bp.produce({ value: Buffer.alloc(2000) })).rejects.toThrow(/the record is 2085 bytes when serialized, larger than maxRequestSize \(1000 bytes\)/)
    await expect(bp.produceMany([{ value: 'ok' }, { value: '€'.repeat(400) }])).rejects.toBeInstanceOf(RecordTooLargeError)
    expect(bp.buffered).toBe(0)
  })
})
