// A group's offset commit or fetch whose coordinator dies (connection reset) looks the
// coordinator up again and retries, as the Java consumer does, instead of failing the caller.
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { Cluster } from '../../../src/client/cluster.js'
import type { Coordinators } from '../../../src/client/coordinator.js'
import { GroupOffsets } from '../../../src/client/consumer/group-offsets.js'
import type { ResolvedGroupConsumerOptions } from '../../../src/client/consumer/group-consumer-options.js'
import { ConnectionError } from '../../../src/client/errors.js'

/** Coordinators whose first connection fails every request with a reset; later ones answer `answer`. */
function env(answer: (api: string) => unknown, failures = 1) {
  const calls: string[] = []
  let invalidations = 0
  let lookups = 0
  const conn = (dead: boolean) => ({
    request: async (api: { name: string }) => {
      calls.push(`${dead ? 'dead' : 'live'}:${api.name}`)
      if (dead) throw new ConnectionError('connection to 127.0.0.1:19102 failed: read ECONNRESET', { requestMayHaveBeenSent: true })
      return answer(api.name)
    },
  })
  const coordinators = {
    get: async () => conn(lookups++ < failures),
    invalidate: () => {
      invalidations++
    },
  } as unknown as Coordinators
  const cluster = { options: { retry: { retries: 3, initialBackoffMs: 1, maxBackoffMs: 2 } }, logger: pino({ level: 'silent' }) } as unknown as Cluster
  const offsets = new GroupOffsets(cluster, coordinators, { groupId: 'g', autoOffsetReset: 'earliest' } as ResolvedGroupConsumerOptions)
  return { offsets, calls, invalidations: () => invalidations }
}

const member = { generationId: 1, memberId: 'm', groupInstanceId: null }

describe('GroupOffsets when the coordinator dies', () => {
  it('commit retries on the rediscovered coordinator', async () => {
    const e = env(() => ({ throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0 }] }] }))
    await e.offsets.commit([{ topic: 't', partition: 0, offset: 5n }], member, () => undefined)
    expect(e.calls).toEqual(['dead:OffsetCommit', 'live:OffsetCommit'])
    expect(e.invalidations()).toBe(1)
  })

  it('commit gives up with the connection error once the retries run out', async () => {
    const e = env(() => ({}), 10)
    await expect(e.offsets.commit([{ topic: 't', partition: 0, offset: 5n }], member, () => undefined)).rejects.toBeInstanceOf(ConnectionError)
    expect(e.calls).toHaveLength(4)
  })
})
