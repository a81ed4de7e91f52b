import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { Client } from '../../../src/client/client.js'
import type { Cluster } from '../../../src/client/cluster.js'
import { BatchProducer } from '../../../src/client/producer/batch-producer.js'
import { Producer, type ProducerOptions } from '../../../src/client/producer/producer.js'
import { TransactionalProducer } from '../../../src/client/producer/transactional-producer.js'
import type { PartitionClient } from '../../../src/client/partition-client.js'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'

/** A client whose cluster is never reached: every case below must fail before any request. */
function fakeClient(requestTimeoutMs = 30_000): Client {
  const unreachable = () => Promise.reject(new Error('no request expected'))
  const cluster = {
    options: { requestTimeoutMs, retry: { retries: 0, initialBackoffMs: 1, maxBackoffMs: 1 } },
    logger: pino({ level: 'silent' }),
    newLane: (p: string) => `${p}-0`,
    releaseLane: async () => {},
    topic: unreachable,
    anyBroker: unreachable,
    broker: unreachable,
  } as unknown as Cluster
  return { cluster } as unknown as Client
}

function refusal(fn: () => unknown): InvalidArgumentError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError)
    return err as InvalidArgumentError
  }
  throw new Error('expected an InvalidArgumentError')
}

describe('producer options', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['negative lingerMs', { lingerMs: -1 }, /lingerMs must be a non-negative integer, got number -1/],
    ['fractional lingerMs', { lingerMs: 1.5 }, /lingerMs/],
    ['lingerMs as a string', { lingerMs: '5' }, /lingerMs must be a non-negative integer, got a string "5"/],
    ['zero maxBatchBytes', { maxBatchBytes: 0 }, /maxBatchBytes must be a positive integer/],
    ['negative maxBufferedBytes', { maxBufferedBytes: -1 }, /maxBufferedBytes/],
    ['fractional maxInFlight', { maxInFlight: 2.5 }, /maxInFlight/],
    ['NaN timeoutMs', { timeoutMs: Number.NaN }, /timeoutMs must be a non-negative integer, got number NaN/],
    ['negative retries', { retries: -3 }, /retries/],
    ['infinite maxRequestBytes', { maxRequestBytes: Infinity }, /maxRequestBytes/],
    ['negative closeTimeoutMs', { closeTimeoutMs: -1 }, /closeTimeoutMs/],
    ['an unknown compression', { compression: 'brotli' }, /compression must be one of none, gzip, snappy, lz4, zstd, got a string "brotli"/],
    ['compression naming an Object.prototype key', { compression: 'toString' }, /compression must be one of/],
    ['acks 0', { acks: 0 }, /acks must be -1 or 1/],
    ['idempotent as a string', { idempotent: 'yes' }, /idempotent must be a boolean/],
    ['a partitioner that is not a function', { partitioner: 3 }, /partitioner must be a function/],
    ['deliveryTimeoutMs below linger + request timeout', { deliveryTimeoutMs: 30_000 }, /deliveryTimeoutMs \(30000\) must be at least lingerMs \+ the request timeout \(5 \+ 60000 ms/],
  ]
  for (const [what, options, message] of cases) {
    it(`refuses ${what}, naming the option`, () => {
      expect(refusal(() => new Producer(fakeClient(), options as ProducerOptions)).message).toMatch(message)
    })
  }

  it("applies Java's delivery timeout rule with the options given (lingerMs + requestTimeoutMs + timeoutMs)", () => {
    const client = fakeClient(1_000)
    expect(refusal(() => new Producer(client, { lingerMs: 100, timeoutMs: 1_000, deliveryTimeoutMs: 2_099 })).message).toMatch(/deliveryTimeoutMs \(2099\)/)
    expect(() => new Producer(client, { lingerMs: 100, timeoutMs: 1_000, deliveryTimeoutMs: 2_100 })).not.toThrow()
  })

  it('refuses bad options of transactional producers', () => {
    expect(refusal(() => new TransactionalProducer(fakeClient(), { transactionalId: 't', transactionTimeoutMs: 0 })).message).toMatch(/transactionTimeoutMs must be a positive integer/)
    expect(refusal(() => new TransactionalProducer(fakeClient(), { transactionalId: 't', maxBlockMs: -5 })).message).toMatch(/maxBlockMs/)
  })

  it('refuses bad options of the BatchProducer', () => {
    const pc = {} as PartitionClient
    expect(refusal(() => new BatchProducer(pc, { compression: 'lzma' as 'lz4' })).message).toMatch(/compression must be one of/)
    expect(refusal(() => new BatchProducer(pc, { acks: 0 as 1 })).message).toMatch(/acks must be -1 or 1/)
    expect(refusal(() => new BatchProducer(pc, { timeoutMs: -1 })).message).toMatch(/timeoutMs/)
    expect(refusal(() => new BatchProducer(pc, { lingerMs: 0.5 })).message).toMatch(/lingerMs/)
  })
})

describe('records given to send / sendBatch / produce', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no topic', { value: 'v' }, /record: topic name undefined/],
    ['an empty topic', { topic: '', value: 'v' }, /invalid record: topic name ""/],
    ['a topic with a space', { topic: 'a b', value: 'v' }, /topic name "a b"/],
    ['a negative partition', { topic: 't', partition: -1, value: 'v' }, /record: partition must be a non-negative integer \(got number -1\)/],
    ['a fractional partition', { topic: 't', partition: 0.5, value: 'v' }, /partition must be a non-negative integer/],
    ['a partition as a string', { topic: 't', partition: '0', value: 'v' }, /partition must be a non-negative integer \(got a string "0"\)/],
    ['a numeric key', { topic: 't', key: 42, value: 'v' }, /record: key must be a Buffer, a string or null \(got number 42\)/],
    ['an object value', { topic: 't', value: { a: 1 } }, /record: value must be a Buffer, a string or null \(got an object\)/],
    ['a missing value', { topic: 't' }, /value must be a Buffer, a string or null \(got undefined\)/],
    ['headers as an object', { topic: 't', value: 'v', headers: { trace: Buffer.from('1') } }, /record: headers must be an array of \[name, value\] pairs, got an object \(an object: use Object.entries/],
    ['a header that is not a pair', { topic: 't', value: 'v', headers: [['a']] }, /header 0 must be a \[name, value\] pair/],
    ['a header name that is not a string', { topic: 't', value: 'v', headers: [[1, null]] }, /header 0 name must be a string \(got number 1\)/],
    ['a header value that is a number', { topic: 't', value: 'v', headers: [['ok', null], ['h', 7]] }, /header 1 \('h'\) value must be a Buffer or null \(got number 7\)/],
    ['a negative timestamp', { topic: 't', value: 'v', timestamp: -1 }, /record: timestamp must be a non-negative integer of milliseconds \(got number -1\)/],
    ['a Date as timestamp', { topic: 't', value: 'v', timestamp: new Date(0) }, /timestamp must be a non-negative integer of milliseconds \(got an object\)/],
  ]
  for (const [what, record, message] of cases) {
    it(`send() refuses a record with ${what}`, async () => {
      const p = new Producer(fakeClient())
      const err = await p.send(record as never).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(InvalidArgumentError)
      expect((err as Error).message).toMatch(message)
    })
  }

  it('sendBatch() names the bad record by its index', async () => {
    const p = new Producer(fakeClient())
    const err = await p.sendBatch([{ topic: 't', value: 'ok' }, { topic: 't', value: 'v', headers: { a: null } as never }]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidArgumentError)
    expect((err as Error).message).toMatch(/^record 1: headers must be an array/)
  })

  it('sendBatch() checks every topic name, also among records to topics it has accepted (names are remembered)', async () => {
    const p = new Producer(fakeClient())
    const records = [
      { topic: 'a', value: 'v' },
      { topic: 'b', value: 'v' },
      { topic: 'a', value: 'v' },
      { topic: 'a b', value: 'v' },
    ]
    const err = await p.sendBatch(records).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidArgumentError)
    expect((err as Error).message).toMatch(/^invalid record 3: topic name "a b"/)
    const again = await p.sendBatch([{ topic: 'b', value: 'v' }, { topic: 'x/y', value: 'v' }]).catch((e: unknown) => e)
    expect((again as Error).message).toMatch(/^invalid record 1: topic name "x\/y"/)
  })

  it('send() refuses a record that is not an object', async () => {
    const err = await new Producer(fakeClient()).send('hello' as never).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidArgumentError)
    expect((err as Error).message).toMatch(/record must be an object \(got a string "hello"\)/)
  })

  it('BatchProducer.produce() refuses headers given as an object with an InvalidArgumentError, not a TypeError', async () => {
    const bp = new BatchProducer({} as PartitionClient)
    const err = await bp.produce({ value: 'v', headers: { a: Buffer.from('x') } as never }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(InvalidArgumentError)
    expect((err as Error).message).toMatch(/record 0: headers must be an array of \[name, value\] pairs/)
  })
})
