// `peridot offsets <topic> [earliest|latest|@TIME]` (kcat -Q): per partition, the log start and
// end, or the offset of the first record at or after a time.
import type { Client, OffsetSpec } from '../../index.js'
import { COMMON_HELP, COMMON_OPTIONS, parseCommandArgs, parseIntFlag, parseTimestamp } from '../args.js'
import { connectClient } from '../connect.js'
import { UsageError } from '../errors.js'
import { formatTable } from '../format.js'
import type { Command } from './types.js'

const HELP = `Usage: peridot offsets <topic> [earliest|latest|@TIMESTAMP] [options]

Without a position: each partition's earliest offset (log start), latest offset (high
watermark) and the records between. With one: each partition's offset for it; for @TIMESTAMP
(ms since the epoch or ISO-8601) that is the offset of the first record at or after the time, as
kcat -Q, or the high watermark when no record is that late.

Options:
  --partition N        only partition N

${COMMON_HELP}`

const OPTIONS = { ...COMMON_OPTIONS, partition: { type: 'string' } } as const

/** Parses the optional position of `offsets`. */
export function parseOffsetSpec(value: string | undefined): OffsetSpec | undefined {
  if (value === undefined) return undefined
  if (value === 'earliest' || value === 'latest') return value
  const timestamp = parseTimestamp(value)
  if (timestamp === undefined) throw new UsageError(`expected earliest, latest or @TIMESTAMP (ms or ISO date), got "${value}"`)
  return { timestamp }
}

/** The offset for `spec` of every partition of a topic (or of `only`), by partition. */
export async function partitionOffsets(client: Client, topic: string, spec: OffsetSpec, only?: readonly number[]): Promise<Map<number, bigint>> {
  const info = await client.describeTopic(topic)
  const partitions = info.partitions.map((p) => p.partition).filter((p) => only === undefined || only.includes(p))
  const offsets = await Promise.all(partitions.map(async (p) => (await client.partitionClient(topic, p)).getOffset(spec)))
  return new Map(partitions.map((p, i) => [p, offsets[i]]))
}

/** The `offsets` command. */
export const offsetsCommand: Command = {
  name: 'offsets',
  summary: 'earliest/latest offsets of a topic, or the offset at a time (kcat -Q)',
  async run(args) {
    const { values, positionals } = parseCommandArgs('offsets', args, OPTIONS)
    if (values.help) {
      console.log(HELP)
      return 0
    }
    if (positionals.length === 0) throw new UsageError('missing topic name')
    if (positionals.length > 2) throw new UsageError(`unexpected argument "${positionals[2]}"`)
    const [topic, position] = positionals
    const spec = parseOffsetSpec(position)
    const only = parseIntFlag('partition', values.partition, 0, 0x7fffffff)
    const client = await connectClient(values)
    try {
      const partitions = only === undefined ? undefined : [only]
      if (spec !== undefined) {
        const offsets = await partitionOffsets(client, topic, spec, partitions)
        if (only !== undefined && !offsets.has(only)) throw new UsageError(`topic ${topic} has no partition ${only}`)
        const rows = [['partition', 'offset']]
        for (const [p, o] of offsets) rows.push([String(p), o.toString()])
        console.log(formatTable(rows))
        return 0
      }
      const [earliest, latest] = await Promise.all([partitionOffsets(client, topic, 'earliest', partitions), partitionOffsets(client, topic, 'latest', partitions)])
      if (only !== undefined && !earliest.has(only)) throw new UsageError(`topic ${topic} has no partition ${only}`)
      const rows = [['partition', 'earliest', 'latest', 'records']]
      for (const [p, lo] of earliest) {
        const hi = latest.get(p) ?? lo
        rows.push([String(p), lo.toString(), hi.toString(), (hi - lo).toString()])
      }
      console.log(formatTable(rows))
      return 0
    } finally {
      await client.close()
    }
  },
}
