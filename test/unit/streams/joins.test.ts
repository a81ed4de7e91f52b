import { describe, expect, it } from 'vitest'
import { Serdes, StreamsBuilder, TopologyError, TopologyTestDriver } from '../../../src/streams/index.js'

interface Order {
  id: string
  customer: string
  amount: number
}

describe('stream-table joins', () => {
  function build(left: boolean) {
    const b = new StreamsBuilder()
    const customers = b.table('customers', { key: Serdes.string(), value: Serdes.string() })
    const orders = b.stream('orders', { key: Serdes.string(), value: Serdes.json<Order>() })
    const joined = left
      ? orders.leftJoin(customers, (o, name) => `${o.id}:${name ?? 'unknown'}`)
      : orders.join(customers, (o, name) => `${o.id}:${name}`)
    joined.to('enriched', { value: Serdes.string() })
    return b.build()
  }

  it('a null-key stream record joins with null in a left join and is dropped by an inner join (Kafka Streams since KIP-962)', () => {
    for (const left of [true, false]) {
      const driver = new TopologyTestDriver(build(left))
      driver.createInputTopic('customers', Serdes.string(), Serdes.string()).pipeInput('c1', 'Ada')
      driver.createInputTopic('orders', Serdes.string(), Serdes.json<Order>()).pipeInput(null as unknown as string, { id: 'o1', customer: 'c1', amount: 1 })
      const out = driver.createOutputTopic('enriched', Serdes.string(), Serdes.string()).readKeyValuesToList()
      expect(out, left ? 'left join' : 'inner join').toEqual(left ? [{ key: null, value: 'o1:unknown' }] : [])
    }
  })

  it('inner join emits only when the table has the key, with the value current at that time', () => {
    const topology = build(false)
    expect(topology.subtopologies()).toHaveLength(1)
    expect(topology.copartitionSourceGroups).toEqual([['KSTREAM-SOURCE-0000000003', 'KSTREAM-SOURCE-0000000001']])
    const driver = new TopologyTestDriver(topology)
    const customers = driver.createInputTopic('customers', Serdes.string(), Serdes.string())
    const orders = driver.createInputTopic('orders', Serdes.string(), Serdes.json<Order>())
    const out = driver.createOutputTopic('enriched', Serdes.string(), Serdes.string())
    orders.pipeInput('c1', { id: 'o1', customer: 'c1', amount: 1 }) // no customer yet: dropped
    customers.pipeInput('c1', 'Ada')
    orders.pipeInput('c1', { id: 'o2', customer: 'c1', amount: 2 })
    customers.pipeInput('c1', 'Ada Lovelace') // table update: no output
    expect(out.readKeyValuesToList()).toEqual([{ key: 'c1', value: 'o2:Ada' }])
    orders.pipeInput('c1', { id: 'o3', customer: 'c1', amount: 3 })
    customers.pipeInput('c1', null as unknown as string) // delete
    orders.pipeInput('c1', { id: 'o4', customer: 'c1', amount: 4 })
    expect(out.readKeyValuesToList()).toEqual([{ key: 'c1', value: 'o3:Ada Lovelace' }])
  })

  it('left join passes null for missing rows', () => {
    const driver = new TopologyTestDriver(build(true))
    const customers = driver.createInputTopic('customers', Serdes.string(), Serdes.string())
    const orders = driver.createInputTopic('orders', Serdes.string(), Serdes.json<Order>())
    orders.pipeInput('c1', { id: 'o1', customer: 'c1', amount: 1 })
    customers.pipeInput('c1', 'Ada')
    orders.pipeInput('c1', { id: 'o2', customer: 'c1', amount: 2 })
    expect(driver.createOutputTopic('enriched', Serdes.string(), Serdes.string()).readValuesToList()).toEqual(['o1:unknown', 'o2:Ada'])
  })

  it('repartitions a re-keyed stream before joining, named after the key-changing node', () => {
    const b = new StreamsBuilder()
    const customers = b.table('customers', { key: Serdes.string(), value: Serdes.string() })
    b.stream('orders', { key: Serdes.string(), value: Serdes.json<Order>() })
      .selectKey((_k, o) => o.customer)
      .join(customers, (o, name) => `${o.id}:${name}`, { key: Serdes.string(), value: Serdes.json<Order>() })
      .to('enriched', { value: Serdes.string() })
    const topology = b.build()
    const text = topology.describe().toString()
    expect(text).toContain('Sink: KSTREAM-SINK-0000000005 (topic: KSTREAM-KEY-SELECT-0000000004-repartition)')
    expect(topology.subtopologies()).toHaveLength(2)
    const driver = new TopologyTestDriver(topology, { applicationId: 'app' })
    driver.createInputTopic('customers', Serdes.string(), Serdes.string()).pipeInput('c9', 'Grace')
    driver.createInputTopic('orders', Serdes.string(), Serdes.json<Order>()).pipeInput('o1', { id: 'o1', customer: 'c9', amount: 5 })
    expect(driver.createOutputTopic('enriched', Serdes.string(), Serdes.string()).readKeyValue()).toEqual({ key: 'c9', value: 'o1:Grace' })
  })

  it('refuses topics that are not co-partitioned, with the partition counts in the message', () => {
    const topology = build(false)
    const counts: Record<string, number> = { orders: 4, customers: 3 }
    expect(() => topology.resolveInternalTopics('app', (t) => counts[t])).toThrow(TopologyError)
    expect(() => topology.resolveInternalTopics('app', (t) => counts[t])).toThrow(/not co-partitioned: .*orders \(4 partitions\).*customers \(3 partitions\)|customers \(3 partitions\).*orders \(4 partitions\)/)
    counts.customers = 4
    expect(topology.resolveInternalTopics('app', (t) => counts[t]).tasksPerSubtopology.get(0)).toBe(4)
  })

  it('a repartition topic joined with a table takes the table partition count', () => {
    const b = new StreamsBuilder()
    const customers = b.table('customers', { key: Serdes.string(), value: Serdes.string() })
    b.stream('orders', { key: Serdes.string(), value: Serdes.string() })
      .selectKey((_k, v) => v)
      .join(customers, (o, c) => o + c)
      .to('out')
    const r = b.build().resolveInternalTopics('app', (t) => ({ orders: 8, customers: 3 })[t])
    expect(r.internalTopics.find((t) => t.kind === 'repartition')).toMatchObject({ name: 'app-KSTREAM-KEY-SELECT-0000000004-repartition', partitions: 3 })
  })
})

describe('GlobalKTable join', () => {
  it('joins through a key selector and updates the global store before processing', () => {
    const b = new StreamsBuilder()
    const products = b.globalTable('products', { key: Serdes.string(), value: Serdes.string() }, 'products-store')
    const orders = b.stream('orders', { key: Serdes.string(), value: Serdes.json<{ product: string; qty: number }>() })
    orders.join(products, (_k, o) => o.product, (o, name) => `${o.qty}x${name}`).to('inner', { value: Serdes.string() })
    orders.leftJoin(products, (_k, o) => o.product, (o, name) => `${o.qty}x${name ?? '?'}`).to('left', { value: Serdes.string() })
    const topology = b.build()
    expect(topology.describe().toString()).toContain('Sub-topology: 0 for global store (will not generate tasks)')
    const driver = new TopologyTestDriver(topology)
    const p = driver.createInputTopic('products', Serdes.string(), Serdes.string())
    const o = driver.createInputTopic('orders', Serdes.string(), Serdes.json<{ product: string; qty: number }>())
    o.pipeInput('o1', { product: 'p1', qty: 1 })
    p.pipeInput('p1', 'apple')
    o.pipeInput('o2', { product: 'p1', qty: 2 })
    p.pipeInput('p1', 'green apple')
    o.pipeInput('o3', { product: 'p1', qty: 3 })
    expect(driver.createOutputTopic('inner', Serdes.string(), Serdes.string()).readKeyValuesToList()).toEqual([
      { key: 'o2', value: '2xapple' },
      { key: 'o3', value: '3xgreen apple' },
    ])
    expect(driver.createOutputTopic('left', Serdes.string(), Serdes.string()).readValuesToList()).toEqual(['1x?', '2xapple', '3xgreen apple'])
    expect(driver.getKeyValueStore<string, string>('products-store').get('p1')).toBe('green apple')
  })
})
