/**
 * Peridot members and Kafka's Java console consumer share one consumer group:
 * the classic protocol's subscription and assignment bytes are understood
 * both ways, and the partitions are split between them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type GroupConsumer } from '../../src/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { startJavaTool, type JavaTool } from './java-tools.js'

let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

/** Reads in the background, recording partition and value of every record. */
function collect(c: GroupConsumer, out: Array<{ partition: number; value: string }>): { stop: () => Promise<void> } {
  let stopping = false
  const loop = (async () => {
    while (!stopping) {
      const b = await c.next()
      if (!b) return
      for (const r of b.records) out.push({ partition: b.partition, value: r.value!.toString() })
      await c.commit()
    }
  })()
  return {
    stop: async () => {
      stopping = true
      await c.close()
      await loop.catch(() => undefined)
    },
  }
}

describe('mixed consumer group: Peridot and the Java consumer', () => {
  it('splits partitions between Peridot members and a Java console consumer', async () => {
    const topic = uniqueTopic('mixed')
    const groupId = uniqueTopic('mixed-g')
    await client.createTopic(topic, { partitions: 6 })
    const opts = { groupId, topics: [topic], autoOffsetReset: 'earliest' as const, heartbeatIntervalMs: 500, sessionTimeoutMs: 15_000 }
    const a = client.groupConsumer(opts)
    const b = client.groupConsumer(opts)
    await Promise.all([a.start(), b.start()])
    const seenA: Array<{ partition: number; value: string }> = []
    const seenB: Array<{ partition: number; value: string }> = []
    const ra = collect(a, seenA)
    const rb = collect(b, seenB)

    const until = async (what: string, check: () => boolean | Promise<boolean>, ms = 60_000) => {
      const deadline = Date.now() + ms
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
        await new Promise((r) => setTimeout(r, 200))
      }
    }
    // The Peridot members settle first (cooperative rebalancing may take two rounds).
    await until('Peridot members to own all partitions', () => a.assignment().length + b.assignment().length === 6)

    let java: JavaTool | undefined
    try {
      java = await startJavaTool('org.apache.kafka.tools.consumer.ConsoleConsumer', [
        '--bootstrap-server', bootstrap(),
        '--topic', topic,
        '--group', groupId,
        '--from-beginning',
        '--property', 'print.partition=true',
        '--property', 'print.offset=true',
        '--consumer-property', 'session.timeout.ms=15000',
        '--consumer-property', 'heartbeat.interval.ms=500',
      ])
      // Wait until the group is stable with three members that each own partitions, and the
      // Peridot members have applied that assignment.
      const admin = client.admin()
      let described: Array<{ memberId: string; partitions: number[] }> = []
      await until('a stable three-member group', async () => {
        const [g] = await admin.describeGroups([groupId])
        described = g.members.map((m) => ({ memberId: m.memberId, partitions: m.assignment.map((tp) => tp.partition) }))
        if (g.state !== 'Stable' || described.length !== 3 || described.some((m) => m.partitions.length === 0)) return false
        const mine = [a.groupMetadata().memberId, b.groupMetadata().memberId]
        const fromGroup = described.filter((m) => mine.includes(m.memberId)).flatMap((m) => m.partitions).sort()
        const local = [...a.assignment(), ...b.assignment()].map((tp) => tp.partition).sort()
        return described.flatMap((m) => m.partitions).length === 6 && JSON.stringify(fromGroup) === JSON.stringify(local)
      })
      const peridotParts = new Set([...a.assignment(), ...b.assignment()].map((tp) => tp.partition))
      expect(peridotParts.size).toBeGreaterThan(0)
      expect(peridotParts.size).toBeLessThan(6)

      // New records after the split: each goes to exactly one member.
      const producer = client.producer({ lingerMs: 2 })
      const wave = Array.from({ length: 600 }, (_, i) => `wave-${i}`)
      await Promise.all(wave.map((v, i) => producer.send({ topic, value: Buffer.from(v), partition: i % 6 })))
      await producer.close()

      const javaWave = () => java!.lines.filter((l) => l.includes('wave-'))
      const peridotWave = () => [...seenA, ...seenB].filter((r) => r.value.startsWith('wave-'))
      await until('the wave to be consumed', () => javaWave().length + peridotWave().length >= 600)

      const javaRecs = javaWave().map((l) => {
        const m = /Partition:(\d+)\s+Offset:(\d+)\s+(wave-\d+)/.exec(l)
        if (!m) throw new Error(`unexpected console consumer line: ${l}`)
        return { partition: Number(m[1]), value: m[3] }
      })
      const all = [...javaRecs.map((r) => r.value), ...peridotWave().map((r) => r.value)]
      expect(all.sort()).toEqual([...wave].sort())
      const javaParts = new Set(javaRecs.map((r) => r.partition))
      expect(javaParts.size).toBeGreaterThan(0)
      for (const p of javaParts) expect(peridotParts.has(p)).toBe(false)
      for (const r of peridotWave()) expect(javaParts.has(r.partition)).toBe(false)
    } finally {
      await java?.stop()
      await Promise.all([ra.stop(), rb.stop()])
    }
    await client.deleteTopic(topic)
  }, 180_000)
})
