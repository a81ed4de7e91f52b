// `peridot consume <topic>`: prints records of one or all partitions. Each partition is read by its
// own loop (so output interleaves across partitions, in offset order within each); without
// --follow every loop stops at the high watermark it saw at start.
import type { Client, FetchResult, KafkaRecord, PartitionClient } from '../../index.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { KafkaProtocolError } from '../../protocol/errors.js'
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  expectPositionals,
  parseCommandArgs,
  parseIntFlag,
  parseStartPosition,
  type StartPosition,
} from '../args.js'
import { connectClient } from '../connect.js'
import { UsageError } from '../errors.js'
import { formatCount, formatRecord, type RecordFormat, type RecordFormatOptions } from '../format.js'
import { LineOutput } from '../output.js'
import { Progress } from '../progress.js'
import type { Command } from './types.js'

const HELP = `Usage: peridot consume <topic> [options]

Prints the records of a topic (all partitions, or one with --partition) and stops at the end of
the log as it was at start, or keeps waiting for new records with --follow (Ctrl-C ends, exit 0).

Options:
  --partition N        read only partition N
  --from POS           earliest (default), latest, an offset, or @TIMESTAMP: the first record at or
                       after a time in ms since the epoch or ISO-8601 (@2026-11-02T10:00:00Z)
  --count N            stop after N records
  --format F           text (default): the value per line; json: one object per line with topic,
                       partition, offset (a string), timestamp, key, value, headers ([name, value]
                       pairs); keys and values are decoded as UTF-8, null stays null
  --print-key          text: print key<TAB>value
  --follow, -f         keep waiting for new records until interrupted
  --max-bytes N        fetch size per partition (default 1048576)

Live counters (records, MB, rate, lag) are shown on stderr when stdout is not a terminal.

${COMMON_HELP}`

const OPTIONS = {
  ...COMMON_OPTIONS,
  partition: { type: 'string' },
  from: { type: 'string' },
  count: { type: 'string' },
  format: { type: 'string' },
  'print-key': { type: 'boolean', default: false },
  follow: { type: 'boolean', short: 'f', default: false },
  'max-bytes': { type: 'string' },
} as const

/** Per-partition read state, shared with the progress line. */
interface PartitionState {
  partition: number
  pc: PartitionClient
  /** Next offset to read. */
  position: bigint
  /** Stop before this offset (the high watermark at start); undefined with --follow. */
  end: bigint | undefined
  /** Latest high watermark seen, for the lag. */
  highWatermark: bigint
}

function parseFormat(value: string | undefined): RecordFormat {
  if (value === undefined || value === 'text') return 'text'
  if (value === 'json') return 'json'
  throw new UsageError(`--format must be text or json, got "${value}"`)
}

async function startOffset(pc: PartitionClient, from: StartPosition): Promise<bigint> {
  switch (from.kind) {
    case 'earliest':
    case 'latest':
      return pc.getOffset(from.kind)
    case 'timestamp':
      return pc.getOffset({ timestamp: from.timestamp })
    default:
      return from.offset
  }
}

/** Resolves to the value, or undefined once `signal` aborts (the promise is then abandoned). */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined)
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined)
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      },
    )
  })
}

async function openPartitions(client: Client, topic: string, only: number | undefined, from: StartPosition, follow: boolean): Promise<PartitionState[]> {
  const info = await client.describeTopic(topic)
  let partitions = info.partitions.map((p) => p.partition)
  if (only !== undefined) {
    if (!partitions.includes(only)) {
      throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${only} of topic '${topic}' does not exist (${partitions.length} partitions)`)
    }
    partitions = [only]
  }
  return Promise.all(
    partitions.map(async (partition) => {
      const pc = await client.partitionClient(topic, partition)
      const [position, latest] = await Promise.all([startOffset(pc, from), pc.getOffset('latest')])
      return { partition, pc, position, end: follow ? undefined : latest, highWatermark: latest }
    }),
  )
}

/** The `consume` command. */
export const consumeCommand: Command = {
  name: 'consume',
  summary: 'print the records of a topic (text or JSON lines)',
  async run(args) {
    const { values, positionals } = parseCommandArgs('consume', args, OPTIONS)
    if (values.help) {
      console.log(HELP)
      return 0
    }
    expectPositionals(positionals, 1, 'topic name')
    const topic = positionals[0]
    const only = parseIntFlag('partition', values.partition, 0, 0x7fffffff)
    const from = parseStartPosition(values.from)
    let remaining = parseIntFlag('count', values.count, 0) ?? Infinity
    const maxBytes = parseIntFlag('max-bytes', values['max-bytes'], 1, 0x7fffffff) ?? 1 << 20
    const fmt: RecordFormatOptions = { format: parseFormat(values.format), printKey: values['print-key'] }
    const follow = values.follow

    const stop = new AbortController()
    const onSignal = () => stop.abort()
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    const out = new LineOutput(process.stdout, () => stop.abort())
    const client = await connectClient(values)
    let progress: Progress | undefined
    try {
      const states = await openPartitions(client, topic, only, from, follow)
      if (remaining === 0) return 0
      // Records on a terminal and live counters on the same screen would garble each other.
      progress = new Progress({
        label: 'consumed',
        quiet: values.quiet || process.stdout.isTTY === true,
        suffix: () => {
          let lag = 0n
          for (const s of states) {
            const target = s.end ?? s.highWatermark
            if (target > s.position) lag += target - s.position
          }
          return `lag ${formatCount(lag)}`
        },
      })
      const counter = progress

      const readPartition = async (s: PartitionState): Promise<void> => {
        if (s.end !== undefined && s.position >= s.end) return
        const fetch = (at: bigint): Promise<FetchResult> => {
          const p = s.pc.fetchRecords(at, { maxBytes, maxWaitMs: 500 })
          // A prefetch may be abandoned (stop, count reached); its failure must not go unhandled.
          p.catch(() => undefined)
          return p
        }
        let next = fetch(s.position)
        while (!stop.signal.aborted) {
          const res = await unlessAborted(next, stop.signal)
          if (res === undefined) return
          if (res.highWatermark > s.highWatermark) s.highWatermark = res.highWatermark
          const done = s.end !== undefined && res.nextOffset >= s.end
          // Fetch the next chunk while this one is printed.
          if (!done) next = fetch(res.nextOffset)
          let records: KafkaRecord[] = res.records
          if (s.end !== undefined && done) records = records.filter((r) => r.offset < (s.end as bigint))
          if (records.length > remaining) records = records.slice(0, remaining)
          remaining -= records.length
          s.position = res.nextOffset
          if (records.length > 0) {
            let bytes = 0
            const lines = records.map((r) => {
              bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0)
              return formatRecord(topic, s.partition, r, fmt)
            })
            counter.add(records.length, bytes)
            await out.write(lines)
          }
          if (remaining <= 0) stop.abort()
          if (done) return
        }
      }
      await Promise.all(
        states.map((s) =>
          readPartition(s).catch((err: unknown) => {
            stop.abort() // one failed partition ends the others too
            throw err
          }),
        ),
      )
      return 0
    } finally {
      progress?.stop()
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      out.dispose()
      await client.close()
    }
  },
}
