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
  parseEndPosition,
  parseIntFlag,
  parseStartPosition,
  type EndPosition,
  type StartPosition,
} from '../args.js'
import { connectClient } from '../connect.js'
import { UsageError } from '../errors.js'
import { formatCount, toJsonRecord } from '../format.js'
import { LineOutput } from '../output.js'
import { Progress } from '../progress.js'
import { compileFormat, FORMAT_HELP, NULL_MARKER, parseEncoding, type ByteEncoding, type FormattedRecordSource } from '../record-format.js'
import { consumeAsGroupMember } from './consume-group.js'
import type { Command } from './types.js'

const HELP = `Usage: peridot consume <topic> [options]

Prints the records of a topic (all partitions, or one with --partition) and stops at the end of
the log as it was at start, or keeps waiting for new records with --follow (Ctrl-C ends, exit 0).

Options:
  --partition N        read only partition N
  --from POS           earliest (default), latest, an offset, -N (the last N records of each
                       partition, as kcat -o -N), or @TIMESTAMP: the first record at or after a
                       time in ms since the epoch or ISO-8601 (@2026-11-02T10:00:00Z)
  --until POS          stop before an offset, or before the first record at or after @TIMESTAMP
  --count N            stop after N records
  --format F           text (default): the value per line; json: one object per line with topic,
                       partition, offset (a string), timestamp, key, value, headers ([name, value]
                       pairs), null stays null; or a format string as kcat -f, e.g. '%k %s %o':
${FORMAT_HELP.replace(/^/gm, '                     ')}
  --encoding E         how keys, values and header values are written: text (default: UTF-8 with
                       \\ \n \r \t escaped as such, so each record is one line), raw (the bytes as
                       they are), base64 or hex (with --format json: text, base64 or hex)
  -Z, --null-marker    text: print a null key or value as \N (never the text of any bytes, as
                       backslashes are escaped); without it null prints as empty, like kcat
  --print-key          text: print key<TAB>value
  --follow, -f         keep waiting for new records until interrupted
  -e, --exit           stop at the end of the log (the default without --follow; as kcat -e)
  --group G            consume as a member of group G: the group assigns the partitions, reading
                       starts at its committed offsets (else --from earliest|latest), and offsets
                       are committed as records are printed; runs until --count, Ctrl-C, or
                       with -e the end of each assigned partition
  --max-bytes N        fetch size per partition (default 1048576)
  -s, --schema S       decode Schema Registry framed keys and values (as kcat -s): avro, protobuf
                       or json for both, key=FORMAT or value=FORMAT for one; printed as JSON text
                       (one line, not escaped again unless --encoding is given)
  -r, --schema-registry URL   the registry to look the schema ids up in (as kcat -r)

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
  exit: { type: 'boolean', short: 'e', default: false },
  until: { type: 'string' },
  encoding: { type: 'string' },
  'null-marker': { type: 'boolean', short: 'Z', default: false },
  group: { type: 'string' },
  schema: { type: 'string', short: 's', multiple: true },
  'schema-registry': { type: 'string', short: 'r' },
  'max-bytes': { type: 'string' },
} as const

/** Per-partition read state, shared with the progress line. */
interface PartitionState {
  partition: number
  pc: PartitionClient
  /** Next offset to read. */
  position: bigint
  /** Stop before this offset (the high watermark at start, or --until's); undefined with --follow. */
  end: bigint | undefined
  /** Stop before the first record at or after this time (--until @TIME). */
  endTime: number | undefined
  /** Latest high watermark seen, for the lag. */
  highWatermark: bigint
}

/** Turns a record into its output bytes, newline included. */
export type RecordWriter = (src: FormattedRecordSource) => Buffer

/** The record writer of --format / --encoding / --print-key / -Z. */
export function recordWriter(format: string | undefined, encoding: ByteEncoding, printKey: boolean, nullMarker: boolean): RecordWriter {
  const nullText = nullMarker ? NULL_MARKER : ''
  if (format === 'json') {
    if (encoding === 'raw') throw new UsageError('--encoding raw does not fit in JSON: use text, base64 or hex')
    return (s) => Buffer.from(`${JSON.stringify(toJsonRecord(s.topic, s.partition, s.record, encoding))}\n`)
  }
  if (format === undefined || format === 'text') return compileFormat(printKey ? '%k\\t%s' : '%s', { encoding, nullText })
  if (!format.includes('%')) throw new UsageError(`--format must be text, json or a format string with %-directives, got "${format}"`)
  if (printKey) throw new UsageError('--print-key does not apply to a format string: use %k')
  return compileFormat(format, { encoding, nullText })
}

/** Turns a record's framed key/value into decoded JSON text (consume -s / -r). */
export type RecordDecoder = (topic: string, r: KafkaRecord) => Promise<KafkaRecord>

/** The decoder of -s / -r, loaded only when asked for (it pulls in the registry client). */
async function schemaDecoder(schema: string[] | undefined, url: string | undefined): Promise<RecordDecoder | undefined> {
  if (schema === undefined && url === undefined) return undefined
  if (schema === undefined || url === undefined) throw new UsageError('--schema and --schema-registry go together')
  const { parseSchemaSpec, registryDecoder } = await import('../schema-decoding.js')
  return registryDecoder(url, parseSchemaSpec(schema))
}

async function startOffset(pc: PartitionClient, from: StartPosition): Promise<bigint> {
  switch (from.kind) {
    case 'earliest':
    case 'latest':
      return pc.getOffset(from.kind)
    case 'timestamp':
      return pc.getOffset({ timestamp: from.timestamp })
    case 'fromEnd': {
      const [earliest, latest] = await Promise.all([pc.getOffset('earliest'), pc.getOffset('latest')])
      return latest - from.back > earliest ? latest - from.back : earliest
    }
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

async function openPartitions(client: Client, topic: string, only: number | undefined, from: StartPosition, follow: boolean, until: EndPosition | undefined): Promise<PartitionState[]> {
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
      let end = follow ? undefined : latest
      if (until?.kind === 'offset' && (end === undefined || until.offset < end)) end = until.offset
      return { partition, pc, position, end, endTime: until?.kind === 'timestamp' ? until.timestamp : undefined, highWatermark: latest }
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
    // Decoded keys/values are JSON text, one line already: written as they are unless told otherwise.
    const encoding = values.encoding === undefined && values.schema !== undefined && values.format !== 'json' ? 'raw' : parseEncoding(values.encoding)
    const write = recordWriter(values.format, encoding, values['print-key'], values['null-marker'])
    const follow = values.follow
    if (follow && values.exit) throw new UsageError('--follow and --exit exclude each other')
    const until = parseEndPosition(values.until)
    const decode = await schemaDecoder(values.schema, values['schema-registry'])
    if (values.group !== undefined) {
      if (values.group === '') throw new UsageError('--group must not be empty')
      if (only !== undefined || until !== undefined) throw new UsageError('--partition and --until do not apply with --group (the group assigns the partitions)')
      if (from.kind !== 'earliest' && from.kind !== 'latest') throw new UsageError('with --group, --from is earliest or latest (where a partition without a committed offset starts)')
      return consumeAsGroupMember({ flags: values, topic, groupId: values.group, reset: from.kind, count: remaining, exitAtEnd: values.exit, maxBytes, write, decode })
    }

    const stop = new AbortController()
    const onSignal = () => stop.abort()
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    const out = new LineOutput(process.stdout, () => stop.abort())
    const client = await connectClient(values)
    let progress: Progress | undefined
    try {
      const states = await openPartitions(client, topic, only, from, follow, until)
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
          let reachedTime = false
          if (s.endTime !== undefined) {
            const i = records.findIndex((r) => r.timestamp >= (s.endTime as number))
            if (i >= 0) {
              records = records.slice(0, i)
              reachedTime = true
            }
          }
          if (records.length > remaining) records = records.slice(0, remaining)
          remaining -= records.length
          s.position = res.nextOffset
          if (decode) records = await Promise.all(records.map((r) => decode(topic, r)))
          if (records.length > 0) {
            let bytes = 0
            const chunks = records.map((record) => {
              bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0)
              return write({ topic, partition: s.partition, record })
            })
            counter.add(records.length, bytes)
            await out.writeBytes(chunks)
          }
          if (remaining <= 0) stop.abort()
          if (done || reachedTime) return
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
