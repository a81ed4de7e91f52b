import net from 'node:net'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { Client } from '../../../src/client/client.js'
import { BootstrapError, ConnectionError } from '../../../src/client/errors.js'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'

const servers: net.Server[] = []
const sockets: net.Socket[] = []

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

/** A port nothing listens on (bound, then released). */
async function refusedPort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as net.AddressInfo).port
  await new Promise((r) => s.close(r))
  return port
}

/** A server that accepts connections and never answers. */
async function silentServer(): Promise<number> {
  const s = net.createServer((sock) => sockets.push(sock))
  servers.push(s)
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  return (s.address() as net.AddressInfo).port
}

/** A logger whose warn lines are kept. */
function capturingLogger() {
  const lines: Array<{ level: number; broker?: string; msg: string }> = []
  const logger = pino({ level: 'warn' }, { write: (s: string) => lines.push(JSON.parse(s)) })
  return { logger, lines }
}

async function connectError(options: Parameters<typeof Client.connect>[0]): Promise<BootstrapError> {
  const err = await Client.connect(options).then(
    (c) => {
      void c.close()
      throw new Error('connected unexpectedly')
    },
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(BootstrapError)
  expect(err).toBeInstanceOf(ConnectionError)
  return err as BootstrapError
}

describe('Client.connect bootstrap', () => {
  it('fails at once on a refused address when no other broker is listed: one attempt, logged at warn, no retries until the deadline', async () => {
    const port = await refusedPort()
    const { logger, lines } = capturingLogger()
    const err = await connectError({ brokers: [`127.0.0.1:${port}`], logger, bootstrapTimeoutMs: 60_000 })
    expect(err.timedOut).toBe(false)
    expect(err.attempts).toHaveLength(1)
    expect(err.message).toContain(`127.0.0.1:${port}`)
    expect(err.message).toMatch(/ECONNREFUSED/)
    expect(lines.filter((l) => l.level === 40 && l.broker === `127.0.0.1:${port}`)).toHaveLength(1)
    expect(lines[0].msg).toMatch(/bootstrap: 127\.0\.0\.1:\d+ failed: cannot connect to .*ECONNREFUSED/)
  })

  it('fails at once on an unresolvable host', async () => {
    const { logger, lines } = capturingLogger()
    const err = await connectError({ brokers: ['no-such-host.invalid:9092'], logger, bootstrapTimeoutMs: 60_000 })
    expect(err.timedOut).toBe(false)
    expect(err.attempts).toHaveLength(1)
    expect(err.message).toContain('no-such-host.invalid:9092')
    expect(lines.some((l) => l.level === 40 && l.broker === 'no-such-host.invalid:9092')).toBe(true)
  })

  it('names every address tried when all of them refuse', async () => {
    const a = await refusedPort()
    const err = await connectError({ brokers: [`127.0.0.1:${a}`, 'no-such-host.invalid:9092'], bootstrapTimeoutMs: 60_000 })
    expect(err.attempts.map((x) => x.address)).toEqual([`127.0.0.1:${a}`, 'no-such-host.invalid:9092'])
    expect(err.message).toContain(`127.0.0.1:${a}`)
    expect(err.message).toContain('no-such-host.invalid:9092')
  })

  it('fails at the deadline with a typed error naming the address when a server accepts and never answers', async () => {
    const port = await silentServer()
    const { logger, lines } = capturingLogger()
    // requestTimeoutMs (30 s by default) is longer than the deadline: the deadline wins.
    const err = await connectError({ brokers: [`127.0.0.1:${port}`], logger, bootstrapTimeoutMs: 1_500 })
    expect(err.timedOut).toBe(true)
    expect(err.message).toMatch(new RegExp(`no bootstrap broker answered within 1500 ms \\(tried 127\\.0\\.0\\.1:${port}\\)`))
    expect(lines.filter((l) => l.level === 40).length).toBeGreaterThanOrEqual(1)
  })

  it('keeps trying a silent address next to a refused one until the deadline, naming both', async () => {
    const silent = await silentServer()
    const refused = await refusedPort()
    const err = await connectError({ brokers: [`127.0.0.1:${refused}`, `127.0.0.1:${silent}`], bootstrapTimeoutMs: 1_500 })
    expect(err.timedOut).toBe(true)
    expect(err.message).toContain(`127.0.0.1:${refused}`)
    expect(err.message).toContain(`127.0.0.1:${silent}`)
  })

  it('refuses bad timing options with an InvalidArgumentError naming them', async () => {
    for (const [name, value] of [['bootstrapTimeoutMs', 0], ['connectTimeoutMs', -1], ['requestTimeoutMs', 1.5], ['closeTimeoutMs', -1]] as const) {
      const err = await Client.connect({ brokers: ['127.0.0.1:1'], [name]: value }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(InvalidArgumentError)
      expect((err as Error).message).toContain(name)
    }
  })
})
