// The `peridot` commands, run for real as child processes (see cli-run.ts) against the broker.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type KafkaRecord } from '../../src/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { peridot, peridotBytes } from './cli-run.js'
import { javaPartitionsForKeys } from './java-partitioner.js'

/** Every record of every partition up to the current high watermark, through the library. */
async function readAll(client: Client, topic: string): Promise<Map<number, KafkaRecord[]>> {
  const info = await client.describeTopic(topic)
  const out = new Map<number, KafkaRecord[]>()
  for (const { partition } of info.partitions) {
    const pc = await client.partitionClient(topic, partition)
    const end = await pc.getOffset('latest')
    const records: KafkaRecord[] = []
    let offset = await pc.getOffset('earliest')
    while (offset < end) {
      const res = await pc.fetchRecords(offset, { maxWaitMs: 100 })
      records.push(...res.records)
      offset = res.nextOffset
    }
    out.set(partition, records)
  }
  return out
}

const jsonLines = (s: string) =>
  s
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { topic: string; partition: number; offset: string; timestamp: number; key: string | null; value: string | null; headers: Array<[string, string | null]> })

describe('peridot CLI', () => {
  let client: Client
  let tmp: string

  beforeAll(async () => {
    client = await Client.connect({ brokers: [bootstrap()] })
    tmp = await mkdtemp(join(tmpdir(), 'peridot-cli-'))
  })
  afterAll(async () => {
    await client?.close()
    await rm(tmp, { recursive: true, force: true })
  })

  it('topics create, list, describe and delete', async () => {
    const topic = uniqueTopic('cli-topics')
    const created = await peridot(['topics', 'create', topic, '--partitions', '3', '--config', 'retention.ms=123456', '--config', 'cleanup.policy=compact'])
    expect(created.stderr).toBe('')
    expect(created.code).toBe(0)
    expect(created.stdout).toContain(`created topic ${topic} (3 partitions, replication factor 1)`)
    const info = await client.describeTopic(topic)
    expect(info.partitions).toHaveLength(3)
    expect(await client.describeTopicConfigs(topic)).toMatchObject({ 'retention.ms': '123456', 'cleanup.policy': 'compact' })

    const again = await peridot(['topics', 'create', topic])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/^peridot topics: TOPIC_ALREADY_EXISTS: .*\n$/)
    expect((await peridot(['topics', 'create', topic, '--if-not-exists'])).code).toBe(0)

    const list = await peridot(['topics', 'list'])
    expect(list.code).toBe(0)
    expect(list.stdout.split('\n')).toContain(topic)

    const described = await peridot(['topics', 'describe', topic])
    expect(described.code).toBe(0)
    expect(described.stdout).toContain(`topic ${topic}  id ${info.topicId}  partitions 3`)
    for (const p of info.partitions) {
      expect(described.stdout).toMatch(new RegExp(`^${p.partition}\\s+${p.leader}\\s+${p.leaderEpoch}\\s+${p.replicas.join(',')}\\s+${p.isr.join(',')}$`, 'm'))
    }
    // Only the configs set on the topic by default; every config with --all-configs.
    expect(described.stdout).toContain('  cleanup.policy=compact\n  retention.ms=123456')
    expect(described.stdout).not.toContain('segment.bytes=')
    const all = await peridot(['topics', 'describe', topic, '--all-configs'])
    expect(all.stdout).toContain('  retention.ms=123456  (topic)')
    expect(all.stdout).toMatch(/^ {2}segment\.bytes=\d+$/m)

    const deleted = await peridot(['topics', 'delete', topic])
    expect(deleted.code).toBe(0)
    expect(deleted.stdout).toContain(`deleted topic ${topic}`)
    expect((await peridot(['topics', 'list'])).stdout.split('\n')).not.toContain(topic)
    await expect(client.describeTopic(topic)).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' })
    expect((await peridot(['topics', 'delete', topic, '--if-exists'])).code).toBe(0)
  })

  it('produces keyed stdin lines onto the murmur2 partitions, and consume --format json returns them exactly', async () => {
    const topic = uniqueTopic('cli-produce')
    await client.createTopic(topic, { partitions: 3 })
    const lines = Array.from({ length: 1000 }, (_, i) => `user-${i}|value ${i} ünïcode|with|bars`)
    const produced = await peridot(['produce', topic, '--key-separator', '|', '--header', 'source=cli', '--compression', 'lz4'], {
      input: `${lines.join('\n')}\n`,
    })
    expect(produced.stderr).toBe('')
    expect(produced.code).toBe(0)
    expect(produced.stdout).toMatch(new RegExp(`^produced 1,000 records \\(.+\\) to ${topic} in .+ s: [\\d,]+ records/s`))

    // Partitions as Kafka's Java producer picks them for the same keys.
    const javaPartitions = await javaPartitionsForKeys(Array.from({ length: 1000 }, (_, i) => `user-${i}`), 3)
    const expected = new Map<number, Array<{ key: string; value: string }>>()
    for (let i = 0; i < 1000; i++) {
      const key = `user-${i}`
      const p = javaPartitions[i]
      expected.set(p, [...(expected.get(p) ?? []), { key, value: `value ${i} ünïcode|with|bars` }])
    }
    const stored = await readAll(client, topic)
    for (const p of [0, 1, 2]) {
      const want = expected.get(p) ?? []
      expect(produced.stdout).toContain(`  partition ${p}: ${want.length.toLocaleString('en-US')}`)
      // Lines were sent in order, so each partition holds its keys in input order.
      expect(stored.get(p)!.map((r) => ({ key: r.key?.toString(), value: r.value?.toString() }))).toEqual(want)
      for (const r of stored.get(p)!) expect(r.headers.map(([k, v]) => [k, v?.toString()])).toEqual([['source', 'cli']])
    }

    const consumed = await peridot(['consume', topic, '--format', 'json', '--from', 'earliest'])
    expect(consumed.stderr).toBe('')
    expect(consumed.code).toBe(0)
    const got = jsonLines(consumed.stdout)
    expect(got).toHaveLength(1000)
    for (const p of [0, 1, 2]) {
      const mine = got.filter((r) => r.partition === p)
      expect(mine).toEqual(
        stored.get(p)!.map((r) => ({
          topic,
          partition: p,
          offset: r.offset.toString(),
          timestamp: r.timestamp,
          key: r.key!.toString(),
          value: r.value!.toString(),
          headers: [['source', 'cli']],
        })),
      )
    }

    // --count stops after exactly N records, across partitions.
    const counted = await peridot(['consume', topic, '--format', 'json', '--count', '25'])
    expect(counted.code).toBe(0)
    expect(jsonLines(counted.stdout)).toHaveLength(25)

    // --partition, text format with keys, and --from OFFSET.
    const one = await peridot(['consume', topic, '--partition', '1', '--from', '3', '--print-key'])
    expect(one.code).toBe(0)
    expect(one.stdout).toBe(
      expected
        .get(1)!
        .slice(3)
        .map((r) => `${r.key}\t${r.value}\n`)
        .join(''),
    )
  })

  it('produce --file --partition sends unkeyed lines to that partition; empty lines and CRLF are kept as records', async () => {
    const topic = uniqueTopic('cli-file')
    await client.createTopic(topic, { partitions: 2 })
    const file = join(tmp, 'lines.txt')
    await writeFile(file, 'a\n\nc\r\nd')
    const produced = await peridot(['produce', topic, '--partition', '1', '--file', file])
    expect(produced.code).toBe(0)
    expect(produced.stdout).toContain('  partition 1: 4')
    const stored = await readAll(client, topic)
    expect(stored.get(0)).toEqual([])
    expect(stored.get(1)!.map((r) => [r.key, r.value?.toString()])).toEqual([
      [null, 'a'],
      [null, ''],
      [null, 'c'],
      [null, 'd'],
    ])
    const bad = await peridot(['produce', topic, '--partition', '2'], { input: 'x\n' })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^peridot produce: UNKNOWN_TOPIC_OR_PARTITION: partition 2 of topic .* does not exist.*\n$/)
  })

  it('consume --from @timestamp starts at the first record at or after that time', async () => {
    const topic = uniqueTopic('cli-time')
    await client.createTopic(topic, { partitions: 1 })
    const pc = await client.partitionClient(topic, 0)
    const base = Date.now() - 60_000
    await pc.produce(Array.from({ length: 100 }, (_, i) => ({ key: null, value: Buffer.from(`r${i}`), timestamp: base + i * 10 })))
    const res = await peridot(['consume', topic, '--from', `@${base + 555}`, '--format', 'json'])
    expect(res.code).toBe(0)
    const got = jsonLines(res.stdout)
    expect(got.map((r) => r.value)).toEqual(Array.from({ length: 44 }, (_, i) => `r${56 + i}`))
    expect(got[0]).toMatchObject({ offset: '56', timestamp: base + 560 })

    const iso = await peridot(['consume', topic, '--from', `@${new Date(base + 990).toISOString()}`])
    expect(iso.stdout).toBe('r99\n')
    const future = await peridot(['consume', topic, '--from', `@${Date.now() + 3_600_000}`])
    expect([future.code, future.stdout]).toEqual([0, ''])
  })

  it('consume --follow prints new records until SIGINT, then exits 0', async () => {
    const topic = uniqueTopic('cli-follow')
    await client.createTopic(topic, { partitions: 2 })
    const producer = client.producer({ lingerMs: 0 })
    await producer.send({ topic, key: Buffer.from('a'), value: Buffer.from('first') })
    const res = await peridot(['consume', topic, '--follow'], {
      onSpawn: (child) => {
        let seen = ''
        let step = 0
        child.stdout!.on('data', (d: Buffer) => {
          seen += d.toString()
          // Once the first record shows, the consumer is live: send another, then interrupt.
          if (step === 0 && seen.includes('first\n')) {
            step = 1
            void producer.send({ topic, key: Buffer.from('b'), value: Buffer.from('second') })
          } else if (step === 1 && seen.includes('second\n')) {
            step = 2
            child.kill('SIGINT')
          }
        })
      },
    })
    await producer.close()
    expect(res.stderr).toBe('')
    expect([res.code, res.signal]).toEqual([0, null])
    expect(res.stdout).toBe('first\nsecond\n')
  })

  it('reports an unknown topic in one line with the Kafka error name, exit code 1', async () => {
    const topic = uniqueTopic('cli-missing')
    for (const args of [['consume', topic], ['topics', 'describe', topic], ['produce', topic]]) {
      const res = await peridot(args, { input: 'x\n' })
      expect(res.code).toBe(1)
      expect(res.stdout).toBe('')
      expect(res.stderr).toMatch(new RegExp(`^peridot ${args[0]}: UNKNOWN_TOPIC_OR_PARTITION: topic '${topic}'[^\\n]*\\n$`))
    }
  })

  it('PERIDOT_DEBUG=1 adds the stack trace under the one-line error', async () => {
    const topic = uniqueTopic('cli-debug')
    const plain = await peridot(['topics', 'describe', topic])
    const debug = await peridot(['topics', 'describe', topic], { env: { PERIDOT_DEBUG: '1' } })
    expect(plain.code).toBe(1)
    expect(debug.code).toBe(1)
    expect(plain.stderr).not.toMatch(/\n\s+at /)
    expect(debug.stderr.startsWith('peridot topics: ')).toBe(true)
    expect(debug.stderr).toContain(plain.stderr.replace(/^peridot topics: /, '').trim())
    expect(debug.stderr).toMatch(/\n\s+at \S/)
  })

  it('topics list shows internal topics only with --internal', async () => {
    // A committed offset makes sure __consumer_offsets exists.
    const topic = uniqueTopic('cli-internal')
    await client.createTopic(topic, { partitions: 1 })
    await client.admin().alterGroupOffsets(uniqueTopic('cli-internal-group'), [{ topic, partition: 0, offset: 0n }])
    const plain = (await peridot(['topics', 'list'])).stdout.split('\n')
    const all = await peridot(['topics', 'list', '--internal'])
    expect(all.code).toBe(0)
    expect(all.stdout.split('\n')).toContain('__consumer_offsets')
    expect(all.stdout.split('\n')).toContain(topic)
    expect(plain).toContain(topic)
    expect(plain).not.toContain('__consumer_offsets')
  })

  it('a refused address fails at once with one line naming it (not at the bootstrap deadline)', async () => {
    const res = await peridot(['topics', 'list', '--brokers', '127.0.0.1:1'], { noBrokers: true })
    expect(res.code).toBe(1)
    // "no bootstrap broker reachable" is the definite failure; the deadline one says "within".
    expect(res.stderr).toMatch(/^peridot topics: no bootstrap broker reachable \(tried 127\.0\.0\.1:1\): .*ECONNREFUSED[^\n]*\n$/)
  })

  it('consume: text stays one line per record (escapes, -Z null marker), format strings, raw/hex, --from -N, --until', async () => {
    const topic = uniqueTopic('cli-format')
    await client.createTopic(topic, { partitions: 1 })
    const pc = await client.partitionClient(topic, 0)
    const base = Date.now() - 60_000
    await pc.produce([
      { key: Buffer.from('k0'), value: Buffer.from('line1\nline2\ttab\\'), timestamp: base, headers: [['h', Buffer.from('x')]] },
      { key: null, value: null, timestamp: base + 10 },
      { key: Buffer.from('k2'), value: Buffer.alloc(0), timestamp: base + 20 },
      { key: null, value: Buffer.from([0, 0xff, 0x0a]), timestamp: base + 30 },
    ])
    const text = await peridot(['consume', topic, '--print-key', '-Z', '-q'])
    expect(text.stderr).toBe('')
    expect(text.stdout).toBe('k0\tline1\\nline2\\ttab\\\\\n\\N\t\\N\nk2\t\n\\N\t\u0000\ufffd\\n\n')
    const fmt = await peridot(['consume', topic, '--format', '%t|%p|%o|%T|%k|%K|%S|%h|%s', '--encoding', 'hex'])
    expect(fmt.stdout.split('\n')).toEqual([
      `${topic}|0|0|${base}|6b30|2|16|h=78|${Buffer.from('line1\nline2\ttab\\').toString('hex')}`,
      `${topic}|0|1|${base + 10}||-1|-1||`,
      `${topic}|0|2|${base + 20}|6b32|2|0||`,
      `${topic}|0|3|${base + 30}||-1|3||00ff0a`,
      '',
    ])
    const rawBytes = await peridotBytes(['consume', topic, '--from', '-1', '--format', '%s\\n', '--encoding', 'raw'])
    expect([...rawBytes]).toEqual([0, 0xff, 0x0a, 0x0a])
    const window = await peridot(['consume', topic, '--from', '-3', '--until', '3', '--format', '%o'])
    expect(window.stdout).toBe('1\n2\n')
    const byTime = await peridot(['consume', topic, '--until', `@${base + 20}`, '--format', '%o', '-e'])
    expect(byTime.stdout).toBe('0\n1\n')
    const offsets = await peridot(['offsets', topic, `@${base + 15}`])
    expect(offsets.stdout).toMatch(/^partition\s+offset\n0\s+2\n$/)
    const range = await peridot(['offsets', topic])
    expect(range.stdout).toMatch(/^partition\s+earliest\s+latest\s+records\n0\s+0\s+4\s+4\n$/)
  })

  it('produce: --delimiter with -Z tombstones, and --whole sends a file as one record', async () => {
    const topic = uniqueTopic('cli-produce-modes')
    await client.createTopic(topic, { partitions: 1 })
    const res = await peridot(['produce', topic, '--delimiter', '\\x1e', '--key-separator', '=', '-Z', '-q'], { input: 'a=1\x1eb=\x1ec=multi\nline\x1e' })
    expect(res.code).toBe(0)
    const file = join(tmp, 'whole.bin')
    await writeFile(file, Buffer.from([1, 2, 10, 3, 10]))
    expect((await peridot(['produce', topic, '--file', file, '--whole', '--key', 'img', '-q'])).code).toBe(0)
    const stored = (await readAll(client, topic)).get(0)!
    expect(stored.map((r) => [r.key?.toString() ?? null, r.value])).toEqual([
      ['a', Buffer.from('1')],
      ['b', null],
      ['c', Buffer.from('multi\nline')],
      ['img', Buffer.from([1, 2, 10, 3, 10])],
    ])
  })

  it('metadata lists brokers, controller and partitions as Admin and describeTopic see them', async () => {
    const topic = uniqueTopic('cli-metadata')
    await client.createTopic(topic, { partitions: 2 })
    const cluster = await client.admin().describeCluster()
    const info = await client.describeTopic(topic)
    const res = await peridot(['metadata', topic, '-q'])
    expect(res.code).toBe(0)
    for (const b of cluster.brokers) {
      expect(res.stdout).toContain(`  broker ${b.nodeId} at ${b.host}:${b.port}${b.nodeId === cluster.controllerId ? ' (controller)' : ''}\n`)
    }
    expect(res.stdout).toContain(`  topic "${topic}" with 2 partitions:\n`)
    for (const p of info.partitions) expect(res.stdout).toContain(`    partition ${p.partition}, leader ${p.leader}, replicas: ${p.replicas.join(',')}, isrs: ${p.isr.join(',')}\n`)
    const all = JSON.parse((await peridot(['metadata', '--format', 'json'])).stdout) as { controllerId: number; topics: Array<{ name: string }> }
    expect(all.controllerId).toBe(cluster.controllerId)
    expect(all.topics.map((t) => t.name)).toContain(topic)
  })

  it('consume --group commits what it printed; groups describe shows the lag, reset moves offsets (not with --dry-run), delete removes the group', async () => {
    const topic = uniqueTopic('cli-group')
    const group = uniqueTopic('cli-group-g')
    await client.createTopic(topic, { partitions: 1 })
    const pc = await client.partitionClient(topic, 0)
    await pc.produce(Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(`v${i}`) })))
    const consumed = await peridot(['consume', topic, '--group', group, '--count', '4', '-q'])
    expect(consumed.code).toBe(0)
    expect(consumed.stdout).toBe('v0\nv1\nv2\nv3\n')
    expect(await client.admin().listGroupOffsets(group)).toMatchObject([{ topic, partition: 0, offset: 4n }])
    const again = await peridot(['consume', topic, '--group', group, '--count', '2', '-q'])
    expect(again.stdout).toBe('v4\nv5\n')

    const described = await peridot(['groups', 'describe', group])
    expect(described.code).toBe(0)
    expect(described.stdout).toMatch(new RegExp(`^${topic}\\s+0\\s+6\\s+10\\s+4\\s+-$`, 'm'))
    expect(described.stdout).toContain('total lag 4')
    expect((await peridot(['groups', 'list'])).stdout).toMatch(new RegExp(`^${group}\\s`, 'm'))

    const dry = await peridot(['groups', 'reset', group, '--to-offset', '2', '--dry-run'])
    expect(dry.stdout).toMatch(new RegExp(`^${topic}\\s+0\\s+6\\s+2$`, 'm'))
    expect(dry.stdout).toContain('dry run: nothing committed')
    expect(await client.admin().listGroupOffsets(group)).toMatchObject([{ offset: 6n }])
    for (const [flag, want] of [
      [['--to-earliest'], 0n],
      [['--to-latest'], 10n],
      [['--to-offset', '99'], 10n],
      [['--to-offset', '3', '--topic', topic, '--partition', '0'], 3n],
    ] as Array<[string[], bigint]>) {
      const res = await peridot(['groups', 'reset', group, ...flag])
      expect(res.code, flag.join(' ')).toBe(0)
      expect(await client.admin().listGroupOffsets(group)).toMatchObject([{ offset: want }])
    }
    // -e: from the committed offset to the end of the log, then exit (kcat -G -e); again: nothing left.
    const toEnd = await peridot(['consume', topic, '--group', group, '-e', '-q'])
    expect([toEnd.code, toEnd.stdout]).toEqual([0, 'v3\nv4\nv5\nv6\nv7\nv8\nv9\n'])
    expect(await peridot(['consume', topic, '--group', group, '-e', '-q'])).toMatchObject({ code: 0, stdout: '' })
    const deleted = await peridot(['groups', 'delete', group])
    expect(deleted.stdout).toBe(`deleted group ${group}\n`)
    expect(await client.admin().listGroupOffsets(group)).toEqual([])
  }, 180_000) // 13 CLI processes, each a Node start

  it('groups describe shows a KIP-848 consumer group (which DescribeGroups does not describe): its member and partitions', async () => {
    const topic = uniqueTopic('cli-848')
    const group = uniqueTopic('cli-848-g')
    await client.createTopic(topic, { partitions: 2 })
    await (await client.partitionClient(topic, 0)).produce([{ key: null, value: Buffer.from('x') }])
    const member = await Client.connect({ brokers: [bootstrap()], clientId: 'cli-848-member' })
    const consumer = member.groupConsumer({ groupId: group, topics: [topic], groupProtocol: 'consumer', autoOffsetReset: 'earliest' })
    try {
      for await (const batch of consumer) {
        if (batch.records.length === 0) continue
        await consumer.commit()
        break
      }
      // The assignment shows once the member reconciled it (the first batch may come before).
      for (let i = 0; i < 100; i++) {
        const [g] = await client.admin().describeConsumerGroups([group])
        if (g.state === 'Stable' && g.members[0]?.assignment.length === 2) break
        await new Promise((r) => setTimeout(r, 200))
      }
      const described = await peridot(['groups', 'describe', group])
      expect(described.code, described.stderr).toBe(0)
      expect(described.stdout).toMatch(new RegExp(`^group ${group}  state Stable  protocol consumer/\\w+  members 1`, 'm'))
      expect(described.stdout).toMatch(new RegExp(`\\scli-848-member\\s.*${topic}-0,${topic}-1$`, 'm'))
      expect(described.stdout).toMatch(new RegExp(`^${topic}\\s+0\\s+1\\s+1\\s+0\\s+cli-848-member$`, 'm'))
    } finally {
      await consumer.close()
      await member.close()
    }
  })

  it('client properties: -X bootstrap.servers and a config file stand in for --brokers; bad ones are usage errors', async () => {
    const topic = uniqueTopic('cli-props')
    await client.createTopic(topic, { partitions: 1 })
    const viaX = await peridot(['topics', 'list', '-X', `bootstrap.servers=${bootstrap()}`, '-X', 'client.id=cli-x'], { noBrokers: true, env: { KAFKA_CONNECT: '127.0.0.1:1' } })
    expect(viaX.stdout.split('\n')).toContain(topic)
    const file = join(tmp, 'client.properties')
    await writeFile(file, `# as kcat -F\nbootstrap.servers=${bootstrap()}\nsecurity.protocol=plaintext\n`)
    const viaFile = await peridot(['offsets', topic, '-F', file], { noBrokers: true, env: { KAFKA_CONNECT: '127.0.0.1:1' } })
    expect(viaFile.stdout).toMatch(/^partition\s+earliest/)
    const bad = await peridot(['topics', 'list', '-X', 'sasl.mechanism=GSSAPI', '-X', 'sasl.username=u', '-X', 'sasl.password=p'])
    expect([bad.code, bad.stderr]).toEqual([2, 'peridot topics: sasl.mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, got "GSSAPI"\n'])
    const list = await peridot(['-X', 'list'], { noBrokers: true })
    expect(list.stdout).toMatch(/^ssl\.ca\.location\s+PEM file/m)
  })

  it('refuses bad flags and arguments with a one-line usage error, exit code 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['consume', 't', '--bogus'], /^peridot consume: Unknown option '--bogus' \(see "peridot consume --help"\)\n$/],
      [['consume', 't', '--from', 'yesterday'], /^peridot consume: --from expects .*\n$/],
      [['consume', 't', '--format', 'xml'], /^peridot consume: --format must be text, json or a format string with %-directives, got "xml"\n$/],
      [['produce', 't', '--compression', 'brotli'], /^peridot produce: --compression must be one of .*\n$/],
      [['topics', 'create', 't', '--partitions', 'many'], /^peridot topics: --partitions must be an integer .*\n$/],
      [['topics', 'frobnicate'], /^peridot topics: unknown topics command "frobnicate".*\n$/],
      [['consume'], /^peridot consume: missing topic name\n$/],
      [['frobnicate'], /^peridot: unknown command "frobnicate".*\n$/],
    ]
    for (const [args, stderr] of cases) {
      const res = await peridot(args, { noBrokers: true })
      expect(res.stderr, args.join(' ')).toMatch(stderr)
      expect(res.code, args.join(' ')).toBe(2)
    }
    const help = await peridot(['consume', '--help'], { noBrokers: true })
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: peridot consume <topic>')
  })
})
