// `peridot broker start|status|stop` as a user runs them: a second local broker on a free port
// and its own data dir, reached with a client, found again by a second start, stopped for good.
// The start path of each Kafka version is the global setup's (the same code); this runs once,
// against the newest Kafka, to keep a broker start out of the 3.9 run's CI time.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { DEFAULT_KAFKA_VERSION, findFreePort, isPortFree } from '../../src/dev/index.js'
import { peridot as runPeridot } from './cli-run.js'
import { kafkaVersion, uniqueTopic } from './helpers.js'

const peridot = (args: string[]) => runPeridot(args, { noBrokers: true })

const version = kafkaVersion() === 'external' ? DEFAULT_KAFKA_VERSION : kafkaVersion()
const olderKafka = version !== DEFAULT_KAFKA_VERSION

describe.skipIf(olderKafka)('peridot broker start | status | stop', () => {
  let dataDir: string | undefined
  afterAll(async () => {
    if (dataDir === undefined) return
    await peridot(['broker', 'stop', '--data-dir', dataDir, '--quiet'])
    await rm(dirname(dataDir), { recursive: true, force: true })
  })

  it('starts a broker that clients reach, finds it again, reports it, and stops it', async () => {
    dataDir = join(await mkdtemp(join(tmpdir(), 'peridot-cli-broker-')), 'kafka')
    const port = await findFreePort(29500)
    const dir = ['--data-dir', dataDir, '--kafka-version', version]

    const before = await peridot(['broker', 'status', ...dir])
    expect(before.code).toBe(3)
    expect(before.stdout).toMatch(/^stopped /)

    const started = await peridot(['broker', 'start', ...dir, '--port', String(port), '--heap-mb', '512'])
    expect(started.code, started.stderr).toBe(0)
    expect(started.stdout).toBe(`127.0.0.1:${port}\n`)
    expect(started.stderr).toMatch(new RegExp(`Kafka ${version.replace(/\./g, '\\.')} started in [\\d.]+ s \\(pid \\d+`))

    const client = await Client.connect({ brokers: [`127.0.0.1:${port}`] })
    try {
      const topic = uniqueTopic('cli-broker')
      await client.createTopic(topic, { partitions: 1 })
      const pc = await client.partitionClient(topic, 0)
      expect(await pc.produce([{ key: null, value: Buffer.from('hello') }])).toEqual([0n])
    } finally {
      await client.close()
    }

    const again = await peridot(['broker', 'start', ...dir, '--port', String(port)])
    expect(again.code).toBe(0)
    expect(again.stdout).toBe(`127.0.0.1:${port}\n`)
    expect(again.stderr).toMatch(/already running/)

    const running = await peridot(['broker', 'status', ...dir])
    expect(running.code).toBe(0)
    expect(running.stdout).toMatch(new RegExp(`^running  127\\.0\\.0\\.1:${port}  kafka ${version.replace(/\./g, '\\.')}  pid \\d+  `))

    const stopped = await peridot(['broker', 'stop', ...dir])
    expect(stopped.code).toBe(0)
    expect(stopped.stderr).toMatch(/^Stopped the broker in /)
    expect(await isPortFree(port)).toBe(true)
    const after = await peridot(['broker', 'status', ...dir])
    expect(after.code).toBe(3)
    expect((await peridot(['broker', 'stop', ...dir])).stderr).toMatch(/^No broker running in /)
  }, 240_000)
})
