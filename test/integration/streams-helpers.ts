// Helpers for the KafkaStreams integration tests: reading a topic to its end, waiting for a condition.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Client } from '../../src/index.js'
import { KafkaStreams, type ProcessingGuarantee, type Topology } from '../../src/streams/index.js'
import type { KafkaRecord } from '../../src/protocol/records/index.js'
import { bootstrap } from './helpers.js'

/** Every record of `topic` up to its end (high watermark, or last stable offset with read_committed), per partition in order. */
export async function readTopic(client: Client, topic: string, isolationLevel: 'read_uncommitted' | 'read_committed' = 'read_uncommitted'): Promise<KafkaRecord[]> {
  const info = await client.describeTopic(topic)
  const out: KafkaRecord[] = []
  const fetcher = client.fetcher()
  try {
    for (const p of info.partitions) {
      let offset = 0n
      for (;;) {
        const [r] = await fetcher.fetch([{ topic, partition: p.partition, offset, maxBytes: 8 << 20 }], { maxWaitMs: 10, isolationLevel })
        if (r.error) throw r.error
        out.push(...r.records)
        const end = isolationLevel === 'read_committed' ? r.lastStableOffset : r.highWatermark
        offset = r.nextOffset
        if (offset >= end) break
      }
    }
  } finally {
    await fetcher.close()
  }
  return out
}

/** Latest value per key (string keys), values decoded by `decode`. */
export function latestByKey<V>(records: KafkaRecord[], decode: (b: Buffer) => V): Map<string, V | null> {
  const m = new Map<string, V | null>()
  for (const r of records) m.set(r.key!.toString(), r.value === null ? null : decode(r.value))
  return m
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

export function tempStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'peridot-streams-test-'))
}

export const int64 = (b: Buffer): number => Number(b.readBigInt64BE(0))

/**
 * An app on the broker under test with the settings these tests share: `guarantee` (default
 * exactly_once_v2), commits every 100 ms, heartbeats every 500 ms, a fresh state dir.
 */
export function testStreamsApp(topology: Topology, applicationId: string, guarantee: ProcessingGuarantee = 'exactly_once_v2'): KafkaStreams {
  return new KafkaStreams(topology, {
    applicationId,
    brokers: [bootstrap()],
    processingGuarantee: guarantee,
    commitIntervalMs: 100,
    stateDir: tempStateDir(),
    heartbeatIntervalMs: 500,
  })
}
