// PartitionClient.produce retries a failure to find the leader (nothing was produced yet), while
// a produce request that may have been written is never retried (ProduceOutcomeUnknownError).
import { describe, expect, it } from 'vitest'
import { PartitionClient } from '../../../src/client/partition-client.js'
import type { Cluster } from '../../../src/client/cluster.js'
import type { Connection } from '../../../src/client/connection.js'
import { ConnectionError, ProduceOutcomeUnknownError } from '../../../src/client/errors.js'
import { pino } from 'pino'

/** A cluster whose leader lookups fail as scripted, and whose leader answers produces as scripted. */
function fakeCluster(leaderFailures: Error[], produceAnswers: Array<Error | bigint>) {
  let produces = 0
  const conn = {
    request: async () => {
      produces++
      const next = produceAnswers.shift()
      if (next instanceof Error) throw next
      return { responses: [{ partitionResponses: [{ index: 0, errorCode: 0, errorMessage: null, baseOffset: next ?? 0n }] }] }
    },
  } as unknown as Connection
  const cluster = {
    options: { retry: { retries: 5, initialBackoffMs: 1, maxBackoffMs: 1 }, requestTimeoutMs: 1000 },
    logger: pino({ level: 'silent' }),
    newLane: () => 'fetch',
    leader: async () => {
      const err = leaderFailures.shift()
      if (err) throw err
      return { leader: 1, leaderEpoch: 0 }
    },
    topic: async () => ({ topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }),
    broker: async () => conn,
    invalidate: () => undefined,
  } as unknown as Cluster
  return { cluster, produces: () => produces }
}

describe('PartitionClient.produce retries', () => {
  it('retries when the metadata request that finds the leader loses its connection after sending', async () => {
    const { cluster, produces } = fakeCluster([new ConnectionError('connection to 127.0.0.1:9092 closed', { requestMayHaveBeenSent: true })], [7n])
    const pc = new PartitionClient(cluster, 't', 0)
    expect(await pc.produce([{ key: null, value: Buffer.from('a') }])).toEqual([7n])
    expect(produces()).toBe(1)
  })

  it('does not retry a produce request that may have been written: ProduceOutcomeUnknownError', async () => {
    const { cluster, produces } = fakeCluster([], [new ConnectionError('connection to 127.0.0.1:9092 closed', { requestMayHaveBeenSent: true }), 9n])
    const pc = new PartitionClient(cluster, 't', 0)
    await expect(pc.produce([{ key: null, value: Buffer.from('a') }])).rejects.toBeInstanceOf(ProduceOutcomeUnknownError)
    expect(produces()).toBe(1)
  })
})
