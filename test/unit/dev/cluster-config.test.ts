// Configs of the local cluster's nodes and the options startLocalCluster refuses up front.
import { describe, expect, it } from 'vitest'
import { clusterNodeProperties, serverProperties } from '../../../src/dev/kafka-config.js'
import { startLocalCluster } from '../../../src/dev/index.js'

const base = { version: '4.3.1', host: '127.0.0.1', port: 19092, controllerPort: 19095, logDir: '/tmp/x' }
const voters = '1@127.0.0.1:19095,2@127.0.0.1:19096,3@127.0.0.1:19097'

describe('clusterNodeProperties', () => {
  it('gives each node its id, rack and the shared quorum, and replicates internal topics on three nodes with min ISR 2', () => {
    const props = clusterNodeProperties({ ...base, nodeId: 2, voters, nodes: 3, rack: 'b' })
    expect(props).toMatchObject({
      'node.id': '2',
      'broker.rack': 'b',
      'controller.quorum.voters': voters,
      listeners: 'PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19095',
      'offsets.topic.replication.factor': '3',
      'transaction.state.log.replication.factor': '3',
      'transaction.state.log.min.isr': '2',
      'share.coordinator.state.topic.replication.factor': '3',
      'default.replication.factor': '3',
      'broker.session.timeout.ms': '3000',
    })
    // Everything else as the single node has it.
    expect(props['group.initial.rebalance.delay.ms']).toBe(serverProperties(base)['group.initial.rebalance.delay.ms'])
  })

  it('caps internal replication at the node count, sets no rack unless given, and applies overrides last', () => {
    const props = clusterNodeProperties({ ...base, version: '3.9.2', nodeId: 1, voters: '1@127.0.0.1:19095', nodes: 1, overrides: { 'min.insync.replicas': '2' } })
    expect(props['offsets.topic.replication.factor']).toBe('1')
    expect(props['transaction.state.log.min.isr']).toBe('1')
    expect(props['broker.rack']).toBeUndefined()
    expect(props['share.coordinator.state.topic.replication.factor']).toBeUndefined()
    expect(props['min.insync.replicas']).toBe('2')
  })
})

describe('startLocalCluster options', () => {
  it.each([
    [{ nodes: 0 }, /nodes must be an integer from 1 to 9/],
    [{ nodes: 3, racks: ['a', 'b'] }, /racks must name one rack per node \(3\)/],
    [{ nodes: 3, port: 65532 }, /port must leave 6 consecutive ports/],
  ])('%j is refused before anything starts', async (opts, message) => {
    await expect(startLocalCluster({ ...opts, dataDir: '/nonexistent/peridot-cluster-test' })).rejects.toThrow(message)
  })
})
