// `peridot consume <topic> --group G`: consuming as a member of a consumer group (kcat -G). The
// group assigns the partitions; a batch's offsets are committed once its records are written.
// With exitAtEnd (kcat -G -e) it stops once every assigned partition is read up to the end of its
// log as it was when the partition was assigned.
import { connectClient, type ConnectionFlags } from '../connect.js'
import { LineOutput } from '../output.js'
import { Progress } from '../progress.js'
import type { RecordDecoder, RecordWriter } from './consume.js'

/** What {@link consumeAsGroupMember} needs. */
export interface GroupConsumeOptions {
  flags: ConnectionFlags & { quiet?: boolean }
  topic: string
  groupId: string
  /** Where a partition without a committed offset starts. */
  reset: 'earliest' | 'latest'
  /** Stop after this many records (Infinity: until interrupted). */
  count: number
  /** Stop when every assigned partition reached its log end (as of its assignment). */
  exitAtEnd: boolean
  maxBytes: number
  write: RecordWriter
  /** Decodes Schema Registry framed keys/values (-s / -r). */
  decode?: RecordDecoder
}

/** Runs until --count records were written, Ctrl-C, or the reader goes away; commits what it wrote. */
export async function consumeAsGroupMember(o: GroupConsumeOptions): Promise<number> {
  const client = await connectClient(o.flags)
  /** With exitAtEnd: per assigned partition, the offset it must reach. */
  const ends = new Map<number, bigint>()
  const reached = new Set<number>()
  const allReached = () => ends.size > 0 && [...ends.keys()].every((p) => reached.has(p))
  const consumer = client.groupConsumer({
    groupId: o.groupId,
    topics: [o.topic],
    autoOffsetReset: o.reset,
    autoCommit: false,
    maxBytesPerPartition: o.maxBytes,
    onAssigned: async (partitions) => {
      if (!o.exitAtEnd) return
      await Promise.all(
        partitions.map(async ({ partition }) => {
          const pc = await client.partitionClient(o.topic, partition)
          const [earliest, latest] = await Promise.all([pc.getOffset('earliest'), pc.getOffset('latest')])
          const start = consumer.committed(o.topic, partition)?.offset ?? (o.reset === 'earliest' ? earliest : latest)
          ends.set(partition, latest)
          // A partition with nothing to read yields no batch: it is at its end already.
          if (start >= latest) reached.add(partition)
        }),
      )
      if (allReached()) stop()
    },
  })
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
      const decode = o.decode
      if (decode) records = await Promise.all(records.map((r) => decode(batch.topic, r)))
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
      const end = ends.get(batch.partition)
      if (end !== undefined && batch.nextOffset >= end) reached.add(batch.partition)
      if (remaining <= 0 || stopping || (o.exitAtEnd && allReached())) break
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
