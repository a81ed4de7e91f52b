// `await using` works with everything that holds connections or pending records.
import { describe, expect, it } from 'vitest'
import { BatchProducer, Client, Fetcher, GroupConsumer, Producer, TransactionalProducer } from '../../../src/index.js'
import { KafkaStreams } from '../../../src/streams/index.js'

describe('Symbol.asyncDispose', () => {
  it('is implemented by Client, the producers, the consumers and KafkaStreams, as close()', () => {
    for (const cls of [Client, Producer, TransactionalProducer, BatchProducer, GroupConsumer, Fetcher, KafkaStreams]) {
      const proto = cls.prototype as unknown as Record<symbol, unknown> & { close: unknown }
      expect(typeof proto[Symbol.asyncDispose], cls.name).toBe('function')
      expect(typeof proto.close, cls.name).toBe('function')
    }
  })
})
