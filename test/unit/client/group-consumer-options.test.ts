import { describe, expect, it } from 'vitest'
import { GroupConsumer, InvalidArgumentError, type GroupConsumerOptions } from '../../../src/index.js'
import type { Cluster } from '../../../src/client/cluster.js'
import { resolveGroupConsumerOptions } from '../../../src/client/consumer/group-consumer-options.js'

const base: GroupConsumerOptions = { groupId: 'g', topics: ['t'] }

/** The message of the InvalidArgumentError `options` is refused with. */
function refusal(options: Partial<GroupConsumerOptions> | Record<string, unknown>): string {
  try {
    resolveGroupConsumerOptions({ ...base, ...options } as GroupConsumerOptions)
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError)
    return (err as Error).message
  }
  throw new Error(`accepted ${JSON.stringify(options)}`)
}

describe('group consumer options', () => {
  it('refuses every bad option up front, naming it', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ groupId: '' }, 'groupId'],
      [{ groupId: 7 }, 'groupId'],
      [{ topics: [] }, 'topics'],
      [{ topics: [''] }, 'topics'],
      [{ topics: 'orders' }, 'topics'],
      [{ groupInstanceId: '' }, 'groupInstanceId'],
      [{ assignors: [] }, 'assignors'],
      [{ assignors: [{ name: 'x' }] }, 'assignors'],
      [{ groupProtocol: 'kip848' }, 'groupProtocol'],
      [{ autoOffsetReset: 'smallest' }, 'autoOffsetReset'],
      [{ isolationLevel: 'committed' }, 'isolationLevel'],
      [{ maxBytesPerPartition: -1 }, 'maxBytesPerPartition'],
      [{ maxBytesPerPartition: 0 }, 'maxBytesPerPartition'],
      [{ maxBytesPerPartition: 2 ** 31 }, 'maxBytesPerPartition'],
      [{ maxBytes: 1.5 }, 'maxBytes'],
      [{ maxWaitMs: -1 }, 'maxWaitMs'],
      [{ maxBufferedBytes: 0 }, 'maxBufferedBytes'],
      [{ sessionTimeoutMs: -5 }, 'sessionTimeoutMs'],
      [{ sessionTimeoutMs: Number.NaN }, 'sessionTimeoutMs'],
      [{ rebalanceTimeoutMs: 0 }, 'rebalanceTimeoutMs'],
      [{ heartbeatIntervalMs: -1 }, 'heartbeatIntervalMs'],
      [{ heartbeatIntervalMs: 10_000, sessionTimeoutMs: 10_000 }, 'heartbeatIntervalMs'],
      [{ autoCommitIntervalMs: -1 }, 'autoCommitIntervalMs'],
      [{ autoCommit: 'yes' }, 'autoCommit'],
      [{ maxPollIntervalMs: 0 }, 'maxPollIntervalMs'],
      [{ unavailableTimeoutMs: -1 }, 'unavailableTimeoutMs'],
      [{ serverAssignor: '' }, 'serverAssignor'],
      [{ onRevoked: 'log' }, 'onRevoked'],
      [{ onError: 1 }, 'onError'],
    ]
    for (const [options, name] of cases) expect(refusal(options), JSON.stringify(options)).toContain(name)
  })

  it('fills in the defaults (Java: max.poll.interval.ms 300 s) and accepts the limits', () => {
    const o = resolveGroupConsumerOptions(base)
    expect(o).toMatchObject({ sessionTimeoutMs: 45_000, heartbeatIntervalMs: 3_000, maxPollIntervalMs: 300_000, maxBytesPerPartition: 1 << 20, unavailableTimeoutMs: undefined })
    expect(resolveGroupConsumerOptions({ ...base, maxWaitMs: 0, maxBytesPerPartition: 2 ** 31 - 1 }).maxWaitMs).toBe(0)
    // KIP-848: the broker sets the session and heartbeat interval; the classic-only rule does not apply.
    expect(() => resolveGroupConsumerOptions({ ...base, groupProtocol: 'consumer', heartbeatIntervalMs: 60_000 })).not.toThrow()
  })

  it('the constructor refuses before touching the cluster', () => {
    const cluster = {} as Cluster
    expect(() => new GroupConsumer(cluster, { ...base, maxBytesPerPartition: -1 })).toThrow(/maxBytesPerPartition must be an integer between 1 and 2147483647 \(got -1\)/)
  })
})
