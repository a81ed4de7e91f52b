// `peridot consume <topic> --group G`: consuming as a member of a consumer group (kcat -G). The
// group assigns the partitions; a batch's offsets are committed once its records are written.
import { connectClient, type ConnectionFlags } from '../connect.js'
import { LineOutput } from '../output.js'
import { Progress } from '../progress.js'
import type { RecordWriter } from './consume.js'

/** What {@link consumeAsGroupMember} needs. */
export interface GroupConsumeOptions {
  flags: ConnectionFlags & { quiet?: boolean }
  topic: string
  groupId: string
  /** Where a partition without a committed offset starts. */
  reset: 'earliest' | 'latest'
  /** Stop after this many records (Infinity: until interrupted). */
  count: number
  maxBytes: number
  write: RecordWriter
}

/** Runs until --count records were written, Ctrl-C, or the reader goes away; commits what it wrote. */
export async function consumeAsGroupMember(o: GroupConsumeOptions): Promise<number> {
  const client = await connectClient(o.flags)
  const consumer = client.groupConsumer({ groupId: o.groupId, topics: [o.topic], autoOffsetReset: o.reset, autoCommit: false, maxBytesPerPartition: o.maxBytes })
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    // close() ends the loop below after the batch in hand, then leaves the group.
    void consumer.close().catch(() => undefined)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const out = new LineOutput(process.stdout, stop)
  const progress = new Progress({ label: 'consumed', quiet: o.flags.quiet === true || process.stdout.isTTY === true })
  let remaining = o.count
  try {
    if (remaining <= 0) return 0
    for await (const batch of consumer) {
      let records = batch.records
      if (records.length > remaining) records = records.slice(0, remaining)
      remaining -= records.length
      if (records.length > 0) {
        let bytes = 0
        const chunks = records.map((record) => {
          bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0)
          return o.write({ topic: batch.topic, partition: batch.partition, record })
        })
        progress.add(records.length, bytes)
        await out.writeBytes(chunks)
        if (out.closed) break
        // Commit exactly what was written (with --count, maybe a part of the batch).
        const last = records[records.length - 1]
        await consumer.commit([{ topic: batch.topic, partition: batch.partition, offset: last.offset + 1n }])
      }
      if (remaining <= 0 || stopping) break
    }
    return 0
  } finally {
    progress.stop()
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    out.dispose()
    stopping = true
    await consumer.close().catch(() => undefined)
    await client.close()
  }
}
