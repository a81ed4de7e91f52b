// The package's entry points (package.json "exports") load and expose their main API.
import { describe, expect, it } from 'vitest'
import * as root from '../../src/index.js'
import * as protocol from '../../src/protocol/index.js'
import * as streams from '../../src/streams/index.js'
import * as dev from '../../src/dev/index.js'

describe('package entry points', () => {
  it('peridot exposes the client API and typed errors', () => {
    for (const name of ['Client', 'PartitionClient', 'Producer', 'TransactionalProducer', 'GroupConsumer', 'KafkaProtocolError', 'DecodeError', 'murmur2', 'ClientClosedError', 'BootstrapError']) {
      expect(root, name).toHaveProperty(name)
    }
  })
  it('peridot/protocol exposes codecs, records and errors', () => {
    for (const name of ['Writer', 'Reader', 'Produce', 'Fetch', 'Metadata', 'encodeRecordBatch', 'decodeRecordBatches', 'crc32c', 'ErrorCode', 'ScramClient']) {
      expect(protocol, name).toHaveProperty(name)
    }
    expect(protocol.Produce.apiKey).toBe(0)
  })
  it('peridot/streams and peridot/dev expose their entry classes', () => {
    for (const name of ['StreamsBuilder', 'KafkaStreams', 'Serdes', 'TopologyTestDriver']) expect(streams, name).toHaveProperty(name)
    for (const name of ['startLocalBroker', 'stopLocalBroker', 'ensureKafkaJars']) expect(dev, name).toHaveProperty(name)
  })
})
