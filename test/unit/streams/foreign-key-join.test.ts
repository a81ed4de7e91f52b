import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import { murmur3Hash128 } from '../../../src/streams/dsl/foreign-key-join/murmur3.js'
import { Instruction, SubscriptionResponseWrapperSerde, SubscriptionWrapperSerde } from '../../../src/streams/dsl/foreign-key-join/wrappers.js'
import { Materialized, Serdes, StreamsBuilder, TopologyTestDriver, type KTable } from '../../../src/streams/index.js'

const S = Serdes.string()
const SS = { key: S, value: S }

interface Order {
  customer: string | null
  item: string
}
const orderSerde = Serdes.json<Order>()

/** orders (key order id) join customers (key customer id) on order.customer. */
function topology(left: boolean, materialized?: string): { b: StreamsBuilder; joined: KTable<string, string> } {
  const b = new StreamsBuilder()
  const orders = b.table<string, Order>('orders', { key: S, value: orderSerde })
  const customers = b.table<string, string>('customers', SS)
  const joiner = (o: Order, c: string | null): string => `${o.item}@${String(c)}`
  const m = materialized === undefined ? undefined : Materialized.as<string, string>(materialized).withValueSerde(S)
  const joined = left ? orders.leftJoin(customers, (o) => o.customer, joiner, undefined, m) : orders.join(customers, (o) => o.customer, joiner, undefined, m)
  joined.toStream().to('out', SS)
  return { b, joined }
}

function drive(left: boolean, steps: (t: { order(id: string, o: Order | null, ts: number): void; customer(id: string, name: string | null, ts: number): void }) => void) {
  const driver = new TopologyTestDriver(topology(left).b.build())
  try {
    const orders = driver.createInputTopic('orders', S, orderSerde)
    const customers = driver.createInputTopic('customers', S, S)
    steps({
      order: (id, o, ts) => orders.pipeInput(id, o as Order, ts),
      customer: (id, name, ts) => customers.pipeInput(id, name as string, ts),
    })
    return driver
      .createOutputTopic('out', S, S)
      .readRecordsToList()
      .map((r) => [r.key, r.value, r.timestamp])
  } finally {
    driver.close()
  }
}

describe('foreign-key joins', () => {
  it('inner join: joins on the extracted key, follows foreign-key changes, and deletes the result when either side goes', () => {
    const out = drive(false, (t) => {
      t.order('o1', { customer: 'c1', item: 'pen' }, 10) // no customer yet: nothing
      t.customer('c1', 'Ada', 20) // the subscription finds it now
      t.customer('c2', 'Bob', 5)
      t.order('o1', { customer: 'c2', item: 'pen' }, 30) // foreign key change: joins c2
      t.customer('c1', 'Ada L', 40) // o1 no longer subscribes to c1: nothing
      t.order('o2', { customer: 'c2', item: 'ink' }, 50)
      t.customer('c2', 'Bobby', 60) // both subscribers of c2 update
      t.order('o2', { customer: 'c9', item: 'ink' }, 70) // new foreign key has no row: delete
      t.customer('c2', null, 80) // foreign row deleted: o1's result deleted
      t.order('o1', null, 90) // left row deleted (already no result): a delete again, as Kafka Streams
      t.order('o3', { customer: null, item: 'cap' }, 100) // null foreign key: no result
    })
    expect(out).toEqual([
      ['o1', 'pen@Ada', 20],
      ['o1', 'pen@Bob', 30],
      ['o2', 'ink@Bob', 50],
      ['o1', 'pen@Bobby', 60],
      ['o2', 'ink@Bobby', 60],
      ['o2', null, 70],
      ['o1', null, 80],
      ['o1', null, 90],
    ])
  })

  it('left join: every left row has a result, joined with null when the foreign row or key is missing', () => {
    const out = drive(true, (t) => {
      t.order('o1', { customer: 'c1', item: 'pen' }, 10)
      t.customer('c1', 'Ada', 20)
      t.order('o2', { customer: null, item: 'cap' }, 30)
      t.customer('c1', null, 40)
      t.order('o1', null, 50)
      t.order('o9', null, 60) // delete of an absent row: nothing
    })
    expect(out).toEqual([
      ['o1', 'pen@null', 10],
      ['o1', 'pen@Ada', 20],
      ['o2', 'cap@null', 30],
      ['o1', 'pen@null', 40],
      ['o1', null, 50],
    ])
  })

  it('names nodes, topics and the subscription store as Kafka Streams does; topic partition counts follow each side', () => {
    const { b } = topology(false)
    const t = b.build()
    const names = t.describe().subtopologies.flatMap((s) => s.nodes.map((n) => n.name))
    expect(names).toEqual(
      expect.arrayContaining([
        'KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000007',
        'KTABLE-SINK-0000000008',
        'KTABLE-SOURCE-0000000009',
        'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000011',
        'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000012',
        'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000013',
        'KTABLE-SINK-0000000015',
        'KTABLE-SOURCE-0000000016',
        'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-0000000017',
        'KTABLE-FK-JOIN-OUTPUT-0000000018',
      ]),
    )
    const partitions: Record<string, number> = { orders: 3, customers: 2 }
    const { internalTopics } = t.resolveInternalTopics('app', (topic) => partitions[topic])
    expect(internalTopics.map((x) => [x.name, x.kind, x.partitions])).toEqual(
      expect.arrayContaining([
        // Subscriptions are keyed by customer: co-partitioned with customers.
        ['app-KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic', 'repartition', 2],
        // Responses go back to the orders' partitions.
        ['app-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic', 'repartition', 3],
        ['app-KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000010-changelog', 'changelog', 2],
      ]),
    )
    // An unnamed, unread result has no store (as in Kafka Streams).
    expect(internalTopics.some((x) => x.name.includes('FK-JOIN-OUTPUT'))).toBe(false)
  })

  it('a TableJoined name names the topics, processors and store; a named result is queryable', () => {
    const b = new StreamsBuilder()
    const orders = b.table<string, Order>('orders', { key: S, value: orderSerde })
    const customers = b.table<string, string>('customers', SS)
    orders.join(customers, (o, id) => (id.startsWith('vip') ? 'c1' : o.customer), (o, c) => `${o.item}@${c}`, { name: 'enrich' }, Materialized.as<string, string>('enriched').withValueSerde(S))
    const t = b.build()
    const { internalTopics } = t.resolveInternalTopics('app', () => 1)
    expect(internalTopics.map((x) => x.name).sort()).toEqual([
      'app-customers-STATE-STORE-0000000003-changelog',
      'app-enrich-subscription-registration-topic',
      'app-enrich-subscription-response-topic',
      'app-enrich-subscription-store-changelog',
      'app-enriched-changelog',
      'app-orders-STATE-STORE-0000000000-changelog',
    ])
    const driver = new TopologyTestDriver(t)
    try {
      driver.createInputTopic('customers', S, S).pipeInput('c1', 'Ada', 1)
      driver.createInputTopic('orders', S, orderSerde).pipeInput('vip-7', { customer: 'c3', item: 'pen' }, 2) // extractor reads the key
      expect(driver.getKeyValueStore<string, string>('enriched').get('vip-7')).toBe('pen@Ada')
    } finally {
      driver.close()
    }
  })

  it('drops a response computed for an older value of the left row (hash check)', () => {
    const { b } = topology(true)
    const driver = new TopologyTestDriver(b.build())
    try {
      driver.createInputTopic('orders', S, orderSerde).pipeInput('o1', { customer: 'c1', item: 'pen' }, 10)
      const out = driver.createOutputTopic('out', S, S)
      expect(out.readValuesToList()).toEqual(['pen@null'])
      const responses = driver.createInputTopic('test-driver-KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic', S, new SubscriptionResponseWrapperSerde(S))
      const hashOf = (o: Order): Buffer => murmur3Hash128(orderSerde.serialize('', o) as Buffer)
      // A response for a value o1 no longer has: dropped.
      responses.pipeInput('o1', { hash: hashOf({ customer: 'c1', item: 'old' }), foreignValue: 'Stale', version: 0, primaryPartition: null }, 20)
      expect(out.readValuesToList()).toEqual([])
      // A response for the current value: joined.
      responses.pipeInput('o1', { hash: hashOf({ customer: 'c1', item: 'pen' }), foreignValue: 'Fresh', version: 0, primaryPartition: null }, 30)
      expect(out.readValuesToList()).toEqual(['pen@Fresh'])
    } finally {
      driver.close()
    }
  })

  it('murmur3 and the wire formats are byte-identical to Kafka Streams 4.3', () => {
    // Vectors computed with Kafka Streams' own Murmur3.hash128 and wrapper serializers.
    const vectors: Array<[string, string]> = [
      ['', '9d2764a018e329428c3cf3b035938518'],
      ['a', '3361634e7e0f5188e9c7dda24eae326b'],
      ['abcdefgh', 'c9e137e204bd98d798412524f285c8d5'],
      ['abcdefghi', '4be3491e5ef44ca37e63ebba6e3b347c'],
      ['abcdefghijklmnop', '03daa544af252b49ec7e65eed6ef622a'],
      ['abcdefghijklmnopq', 'bde7390e448a967e0a17807fe372cf77'],
      ['héllo wörld, this is a longer string of 40+ bytes!!', '8463fca2ffb61f814b659192ad63b9c8'],
    ]
    for (const [text, hex] of vectors) expect(murmur3Hash128(Buffer.from(text)).toString('hex'), text).toBe(hex)
    expect(murmur3Hash128(Buffer.from('fffe80', 'hex')).toString('hex')).toBe('08cc73fff3f81863c999cd38166ff7e9')

    const hash = murmur3Hash128(Buffer.from('order-1'))
    const subs = new SubscriptionWrapperSerde(S)
    const sub = subs.serialize('t', { hash, instruction: Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE, primaryKey: 'pk1', version: 1, primaryPartition: 5 })
    expect(sub?.toString('hex')).toBe('01028302596bee13c72686fa7a1659f479d5706b3100000005')
    const noHash = subs.serialize('t', { hash: null, instruction: Instruction.DELETE_KEY_AND_PROPAGATE, primaryKey: 'pk1', version: 1, primaryPartition: 2 })
    expect(noHash?.toString('hex')).toBe('8101706b3100000002')
    expect(subs.deserialize('t', sub as Buffer)).toEqual({ hash, instruction: 2, primaryKey: 'pk1', version: 1, primaryPartition: 5 })
    const res = new SubscriptionResponseWrapperSerde(S)
    expect(res.serialize('t', { hash, foreignValue: 'fv', version: 0, primaryPartition: 3 })?.toString('hex')).toBe('008302596bee13c72686fa7a1659f479d56676')
    expect(res.serialize('t', { hash: null, foreignValue: null, version: 0, primaryPartition: 3 })?.toString('hex')).toBe('80')
    expect(res.deserialize('t', Buffer.from('80', 'hex'))).toEqual({ hash: null, foreignValue: null, version: 0, primaryPartition: null })
  })

  it('rejects bad arguments with clear errors', () => {
    const b = new StreamsBuilder()
    const orders = b.table<string, Order>('orders', { key: S, value: orderSerde })
    const customers = b.table<string, string>('customers', SS)
    expect(() => orders.join(customers, 'customer' as never, (o: Order, c: string) => o.item + c)).toThrow(/foreignKeyExtractor must be a function|joiner must be a function/)
    expect(() => orders.join(customers, (o) => o.customer, (o, c) => o.item + c, { name: '' })).toThrow(InvalidArgumentError)
    expect(() => orders.leftJoin(customers, (o) => o.customer, (o, c) => o.item + String(c), { partitioner: 3 as never })).toThrow(/tableJoined.partitioner must be a function/)
  })
})
