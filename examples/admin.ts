/**
 * Cluster administration: describe the cluster, its feature levels and disks, change a topic
 * config, inspect consumer groups and move a group's offsets.
 *
 *   KAFKA_CONNECT=127.0.0.1:9092 npx tsx examples/admin.ts [topic] [group]
 */
import { Client } from 'peridot-kafka'

const [topic = 'orders', groupId = 'order-processors'] = process.argv.slice(2)
const client = await Client.connect({ brokers: [process.env.KAFKA_CONNECT ?? '127.0.0.1:9092'] })
const admin = client.admin()

const cluster = await admin.describeCluster()
console.log(`cluster ${cluster.clusterId}, controller ${cluster.controllerId}, brokers:`, cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`))

const features = await admin.describeFeatures()
console.log('finalized features:', Object.entries(features.finalized).map(([name, f]) => `${name}=${f.maxVersionLevel}`).join(', '))

if (!(await client.listTopics()).includes(topic)) await client.createTopic(topic, { partitions: 3 })

// Each broker reports its own disks and the replicas on them.
for (const dir of await admin.describeLogDirs({ partitions: [{ topic, partition: 0 }] })) {
  const bytes = dir.replicas.reduce((n, r) => n + r.size, 0)
  console.log(`broker ${dir.broker} ${dir.path}: ${bytes} bytes of ${topic}-0, ${dir.usableBytes ?? '?'} of ${dir.totalBytes ?? '?'} bytes free`)
}

// Change only what is listed; describeConfigs shows where each value comes from.
const retention = String(3 * 24 * 3600_000)
await admin.incrementalAlterConfigs([{ type: 'topic', name: topic, ops: [{ op: 'set', name: 'retention.ms', value: retention }] }])
// The controller has accepted the change; brokers apply it from the metadata log a moment later.
const describe = () => admin.describeConfigs([{ type: 'topic', name: topic }], { keys: ['retention.ms', 'cleanup.policy'] })
let [configs] = await describe()
for (let i = 0; i < 50 && configs.configs.find((c) => c.name === 'retention.ms')?.value !== retention; i++) {
  await new Promise((r) => setTimeout(r, 100))
  ;[configs] = await describe()
}
for (const c of configs.configs) console.log(`${c.name} = ${c.value} (${c.source})`)

for (const g of await admin.listGroups()) console.log(`group ${g.groupId}: ${g.state} (${g.protocolType || 'offsets only'})`)

const [group] = await admin.describeGroups([groupId])
for (const m of group.members) console.log(`member ${m.clientId}@${m.clientHost}:`, m.assignment.map((tp) => `${tp.topic}-${tp.partition}`))
console.log('committed offsets:', await admin.listGroupOffsets(groupId))

// Rewind the group to the start of every partition; only allowed while it has no members.
if (group.state === 'Empty' || group.state === 'Dead') {
  const { partitions } = await client.describeTopic(topic)
  await admin.alterGroupOffsets(groupId, partitions.map((p) => ({ topic, partition: p.partition, offset: 0n })))
  console.log(`rewound ${groupId} to offset 0 on ${topic}`)
} else {
  console.log(`${groupId} is ${group.state}: stop its consumers before moving its offsets`)
}

await client.close()
