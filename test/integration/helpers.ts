// Helpers for integration tests: the broker address provided by global-setup.ts, a client and a
// proxy shared by a file's tests, topic names, and restarting the local broker.
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, inject, type TestContext } from 'vitest'
import { parseBrokerAddress } from '../../src/client/cluster.js'
import { Client } from '../../src/index.js'
import { startLocalBroker, stopLocalBroker } from '../../src/dev/index.js'
import type { LocalBrokerInfo } from './global-setup.js'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js'

/** Bootstrap address (`host:port`) of the broker under test. */
export function bootstrap(): string {
  return inject('kafkaBootstrap')
}

/** Kafka version under test ('external' when KAFKA_CONNECT is set without PERIDOT_KAFKA_VERSION). */
export function kafkaVersion(): string {
  return inject('kafkaVersion')
}

/** The local broker this run started, or null when tests run against KAFKA_CONNECT. */
export function localBroker(): LocalBrokerInfo | null {
  return inject('kafkaLocalBroker')
}

/**
 * A client of the broker under test for the tests of one file: connected before them
 * (`beforeAll`), closed after them (`afterAll`). Call it at the top of the file; the returned
 * function gives the client inside hooks and tests.
 */
export function sharedClient(): () => Client {
  let client: Client | undefined
  beforeAll(async () => {
    client = await Client.connect({ brokers: [bootstrap()] })
  })
  afterAll(async () => {
    await client?.close()
  })
  return () => {
    if (!client) throw new Error('sharedClient: used before beforeAll connected it')
    return client
  }
}

/**
 * A TCP proxy in front of the broker under test for the tests of one file (started in
 * `beforeAll`, closed in `afterAll`), as {@link sharedClient}.
 */
export function sharedProxy(): () => TcpProxy {
  let proxy: TcpProxy | undefined
  beforeAll(async () => {
    proxy = await startTcpProxy(parseBrokerAddress(bootstrap()))
  })
  afterAll(async () => {
    await proxy?.close()
  })
  return () => {
    if (!proxy) throw new Error('sharedProxy: used before beforeAll started it')
    return proxy
  }
}

/** A topic name no other test (or earlier run against the same broker) uses. */
export function uniqueTopic(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
}

/** Why the broker cannot be restarted by tests, or undefined when it can. */
export function restartUnavailableReason(): string | undefined {
  return localBroker() ? undefined : 'needs the local broker: KAFKA_CONNECT points at an external one that tests cannot restart'
}

/** True when tests may stop and start the broker (the run started it itself). */
export function canRestartBroker(): boolean {
  return restartUnavailableReason() === undefined
}

/** Marks the current test skipped, with the reason, unless the broker can be restarted. */
export function skipUnlessRestartable(ctx: TestContext): void {
  const reason = restartUnavailableReason()
  if (reason) ctx.skip(reason)
}

/**
 * Stops the local broker (controlled shutdown) and starts it again on the same port with the same
 * data, resolving once it serves requests again. `downtimeMs` keeps it down a while in between.
 */
export async function restartBroker(opts: { downtimeMs?: number } = {}): Promise<void> {
  const local = localBroker()
  if (!local) throw new Error(`restartBroker: ${restartUnavailableReason()}`)
  await stopLocalBroker({ dataDir: local.dataDir })
  if (opts.downtimeMs) await new Promise((r) => setTimeout(r, opts.downtimeMs))
  await startLocalBroker({ kafkaVersion: local.kafkaVersion, port: local.port, dataDir: local.dataDir })
}

/** The broker profile under test: 'kafka', or 'redpanda' when the Redpanda-profile proxy stands in front (PERIDOT_BROKER_PROFILE). */
export function brokerProfile(): string {
  return inject('brokerProfile')
}

/** Whether the broker under test speaks the KIP-848 consumer group protocol (Kafka 4+, not the Redpanda profile). */
export function hasConsumerGroupProtocol(): boolean {
  return !kafkaVersion().startsWith('3.') && brokerProfile() !== 'redpanda'
}
