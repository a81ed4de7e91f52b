// A Peridot member and Kafka's own share consumer (kafka-console-share-consumer, from the
// kafka-tools jars) in one share group: the records are split between them, each delivered to
// exactly one, and together they read everything.
import { describe, expect, it } from 'vitest'
import { bootstrap, sharedClient, uniqueTopic } from './helpers.js'
import { startJavaTool } from './java-tools.js'
import { configureShareGroup, shareGroupsExpected } from './share-helpers.js'

const client = sharedClient()

describe.runIf(shareGroupsExpected())('share group with the Java share consumer', () => {
  it('a Peridot member and the console share consumer split the records of one partition between them', async () => {
    const topic = uniqueTopic('share-java')
    const groupId = uniqueTopic('sg-java')
    await client().createTopic(topic, { partitions: 1 })
    await configureShareGroup(client(), groupId)
    const java = await startJavaTool('org.apache.kafka.tools.consumer.ConsoleShareConsumer', [
      '--bootstrap-server', bootstrap(),
      '--topic', topic,
      '--group', groupId,
    ])
    const peridot = client().shareConsumer({ groupId, topics: [topic], maxRecords: 2, acknowledgementMode: 'explicit' })
    const values = Array.from({ length: 60 }, (_, i) => `v${i}`)
    const ours: string[] = []
    try {
      await peridot.start()
      // Both members in the group before anything is produced, so both get a share.
      for (;;) {
        const [g] = await client().admin().describeShareGroups([groupId])
        if (g.members.length === 2 && g.members.every((m) => m.assignment.length === 1)) break
        await new Promise((r) => setTimeout(r, 200))
      }
      const reading = (async () => {
        for await (const batch of peridot) {
          for (const r of batch.records) {
            ours.push(r.value!.toString())
            r.accept()
          }
          await peridot.commit()
          // Slow processing: the Java member takes what arrives meanwhile.
          await new Promise((r) => setTimeout(r, 100))
        }
      })()
      const pc = await client().partitionClient(topic, 0)
      for (let i = 0; i < values.length; i += 2) {
        await pc.produce(values.slice(i, i + 2).map((value) => ({ value })))
        await new Promise((r) => setTimeout(r, 30))
      }
      const covered = () => {
        const seen = new Set([...ours, ...java.lines.map((l) => l.trim())])
        return values.every((v) => seen.has(v))
      }
      await java.waitFor(() => covered(), 45_000)
      await peridot.close()
      await reading
    } finally {
      await peridot.close()
      await java.stop()
    }
    const theirs = java.lines.map((l) => l.trim()).filter((l) => /^v\d+$/.test(l))
    expect(ours.length).toBeGreaterThan(0)
    expect(theirs.length).toBeGreaterThan(0)
    expect(ours.filter((v) => theirs.includes(v))).toEqual([]) // no record went to both
    expect(new Set([...ours, ...theirs])).toEqual(new Set(values))
    expect(ours.length + theirs.length).toBe(values.length)
  })
})
