// The `peridot` topics/produce/consume commands, run for real as child processes (node + tsx
// loader, the fastest way to run the TypeScript entry point without a build) against the broker.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, type KafkaRecord } from '../../src/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { javaPartitionsForKeys } from './java-partitioner.js'

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'index.ts')

interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

interface RunOptions {
  input?: string
  /** Extra environment (PERIDOT_DEBUG is removed unless given here). */
  env?: NodeJS.ProcessEnv
  /** Called with the child once it runs, e.g. to watch stdout and send a signal. */
  onSpawn?: (child: ReturnType<typeof spawn>) => void
  /** Leave out --brokers (to test the error path of bad flags before any connection). */
  noBrokers?: boolean
}

function peridot(args: string[], opts: RunOptions = {}): Promise<Run> {
  const full = opts.noBrokers ? args : [...args, '--brokers', bootstrap()]
  return new Promise((resolve, reject) => {
    const env = { ...process.env }
    delete env.PERIDOT_DEBUG
    Object.assign(env, opts.env)
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...full], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
    opts.onSpawn?.(child)
    child.stdin.end(opts.input ?? '')
  })
}

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

  it('refuses bad flags and arguments with a one-line usage error, exit code 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['consume', 't', '--bogus'], /^peridot consume: Unknown option '--bogus' \(see "peridot consume --help"\)\n$/],
      [['consume', 't', '--from', 'yesterday'], /^peridot consume: --from expects .*\n$/],
      [['consume', 't', '--format', 'xml'], /^peridot consume: --format must be text or json, got "xml"\n$/],
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
