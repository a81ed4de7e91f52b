/**
 * Table-table and foreign-key joins, checked with TopologyTestDriver (no broker needed):
 * orders (keyed by order id) joined with their customer (customers keyed by customer id, a
 * foreign-key join) and with their shipping status (keyed by order id, a same-key left join).
 * Run: npx tsx examples/streams-table-joins.ts
 */
import assert from 'node:assert/strict'
import { Serdes, StreamsBuilder, TopologyTestDriver } from 'peridot-kafka/streams'

interface Order {
  customer: string
  item: string
}

const S = Serdes.string()
const builder = new StreamsBuilder()
const orders = builder.table('orders', { key: S, value: Serdes.json<Order>() })
const customers = builder.table('customers', { key: S, value: S })
const shipping = builder.table('shipping', { key: S, value: S })
orders
  // Foreign-key join: the order's customer field picks the customers row. The next join reads
  // this result through a store, which needs its value serde.
  .join(customers, (order) => order.customer, (order, name) => `${order.item} for ${name}`, {}, { value: S })
  // Same-key left join: the shipping status when there is one.
  .leftJoin(shipping, (line, status) => `${line} (${status ?? 'not shipped'})`)
  .toStream()
  .to('order-lines', { key: S, value: S })

const driver = new TopologyTestDriver(builder.build())
try {
  const out = driver.createOutputTopic('order-lines', S, S)
  driver.createInputTopic('customers', S, S).pipeInput('c1', 'Ada', 1)
  driver.createInputTopic('orders', S, Serdes.json<Order>()).pipeInput('o1', { customer: 'c1', item: 'pen' }, 2)
  driver.createInputTopic('shipping', S, S).pipeInput('o1', 'in transit', 3)
  driver.createInputTopic('customers', S, S).pipeInput('c1', 'Ada Lovelace', 4) // every order of c1 updates
  driver.createInputTopic('orders', S, Serdes.json<Order>()).pipeInput('o1', null as unknown as Order, 5) // order deleted
  assert.deepEqual(
    out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp]),
    [
      ['o1', 'pen for Ada (not shipped)', 2],
      ['o1', 'pen for Ada (in transit)', 3],
      ['o1', 'pen for Ada Lovelace (in transit)', 4],
      ['o1', null, 5],
    ],
  )
  console.log('table joins: ok')
} finally {
  driver.close()
}
