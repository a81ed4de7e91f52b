// `peridot produce <topic>`: one record per input line (stdin or --file; or per --delimiter, or
// the whole input as one record), streamed with bounded memory: the input is read as it is
// consumed (async iteration pauses it while we wait) and at most a window of unacknowledged
// records is in flight.
import { open } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import type { CompressionCodec, ProducerRecord, RecordHeaders } from '../../index.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { KafkaProtocolError } from '../../protocol/errors.js'
import { COMMON_HELP, COMMON_OPTIONS, expectPositionals, parseCommandArgs, parseIntFlag, parseKeyValues } from '../args.js'
import { connectClient } from '../connect.js'
import { UsageError } from '../errors.js'
import { formatProduceSummary } from '../format.js'
import { Progress } from '../progress.js'
import { parseDelimiter, splitKey, splitRecords, wholeInput } from '../record-input.js'
import type { Command } from './types.js'

const COMPRESSIONS: readonly CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

const HELP = `Usage: peridot produce <topic> [options] [< lines]

Sends one record per line of stdin (or --file); the bytes are sent as they are (a CR before the
newline is dropped). Without --partition, keyed records go to the partition the Java client's
murmur2 partitioner picks, unkeyed ones are spread in batches. Prints a summary (records, bytes,
elapsed time, rate, records per partition) at the end.

Options:
  --partition N        send every record to partition N
  --key-separator S    the text before the first S is the key, the rest the value
                       (a record without S is sent without a key)
  --key K              the key of every record (as kcat -k); not with --key-separator
  --delimiter D        records end at D instead of a newline (\\n \\t \\r \\0 \\xHH escapes; as kcat -D)
  --whole              the whole input (--file or stdin) is one record (as kcat -P with a file)
  -Z, --null-empty     an empty value is sent as null: a tombstone (as kcat -Z)
  --compression C      none, gzip, snappy, lz4 or zstd (default none)
  --file F             read records from F instead of stdin
  --header K=V         add a header to every record, repeatable
  --linger-ms N        how long a record waits for others to join its batch (default 5)

${COMMON_HELP}`

const OPTIONS = {
  ...COMMON_OPTIONS,
  partition: { type: 'string' },
  'key-separator': { type: 'string' },
  compression: { type: 'string' },
  file: { type: 'string' },
  key: { type: 'string' },
  delimiter: { type: 'string' },
  whole: { type: 'boolean', default: false },
  'null-empty': { type: 'boolean', short: 'Z', default: false },
  header: { type: 'string', multiple: true },
  'linger-ms': { type: 'string' },
} as const

/** Unacknowledged records allowed in flight; beyond this the reader waits (bounded memory). */
const WINDOW_RECORDS = 20_000
const WINDOW_BYTES = 16 * 1024 * 1024

/** Splits an input line into key and value; without a separator (or when absent) there is no key. */
export function splitLine(line: string, separator: string | undefined): { key: string | null; value: string } {
  if (separator === undefined) return { key: null, value: line }
  const i = line.indexOf(separator)
  if (i < 0) return { key: null, value: line }
  return { key: line.slice(0, i), value: line.slice(i + separator.length) }
}

function parseCompression(value: string | undefined): CompressionCodec {
  if (value === undefined) return 'none'
  const c = COMPRESSIONS.find((x) => x === value)
  if (!c) throw new UsageError(`--compression must be one of ${COMPRESSIONS.join(', ')}, got "${value}"`)
  return c
}

/** The `produce` command. */
export const produceCommand: Command = {
  name: 'produce',
  summary: 'send lines of stdin or a file as records',
  async run(args) {
    const { values, positionals } = parseCommandArgs('produce', args, OPTIONS)
    if (values.help) {
      console.log(HELP)
      return 0
    }
    expectPositionals(positionals, 1, 'topic name')
    const topic = positionals[0]
    const partition = parseIntFlag('partition', values.partition, 0, 0x7fffffff)
    const separator = values['key-separator']
    if (separator === '') throw new UsageError('--key-separator must not be empty')
    const compression = parseCompression(values.compression)
    const lingerMs = parseIntFlag('linger-ms', values['linger-ms'], 0, 60_000) ?? 5
    const headers: RecordHeaders = parseKeyValues('header', values.header).map(([k, v]) => [k, Buffer.from(v)])
    if (values.whole && values.delimiter !== undefined) throw new UsageError('--whole and --delimiter exclude each other')
    const delimiter = values.delimiter === undefined ? undefined : parseDelimiter(values.delimiter)
    const keySeparator = separator === undefined ? undefined : Buffer.from(separator)
    const nullEmpty = values['null-empty']
    if (values.key !== undefined && separator !== undefined) throw new UsageError('--key and --key-separator exclude each other')
    const fixedKey = values.key === undefined ? undefined : Buffer.from(values.key)

    // Opened before connecting so a missing file fails without touching the cluster.
    const file = values.file === undefined ? undefined : await open(values.file, 'r')
    const input: Readable = file ? file.createReadStream() : process.stdin
    if (!file && process.stdin.isTTY && !values.quiet) console.error('peridot produce: reading records from stdin, one per line (Ctrl-D ends)')

    const client = await connectClient(values).catch(async (err: unknown) => {
      await file?.close()
      throw err
    })
    const producer = client.producer({ compression, lingerMs })
    try {
      // Unknown topics and partitions fail here, with Kafka's error name, before any input is read.
      const info = await client.describeTopic(topic)
      if (partition !== undefined && partition >= info.partitions.length) {
        throw new KafkaProtocolError(
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          `partition ${partition} of topic '${topic}' does not exist (${info.partitions.length} partitions)`,
        )
      }

      const records = values.whole ? wholeInput(input) : splitRecords(input, delimiter ?? Buffer.from('\n'), delimiter === undefined)
      const progress = new Progress({ label: 'produced', quiet: values.quiet })
      const perPartition = new Map<number, number>()
      let inflight = 0
      let inflightBytes = 0
      let failure: { error: unknown } | undefined
      let wake: (() => void) | undefined
      const waitForProgress = () => new Promise<void>((resolve) => (wake = resolve))

      for await (const bytes of records) {
        while (!failure && (inflight >= WINDOW_RECORDS || inflightBytes >= WINDOW_BYTES)) await waitForProgress()
        if (failure) break
        const { key, value } = splitKey(bytes, keySeparator)
        const record: ProducerRecord = { topic, key: fixedKey ?? key, value: nullEmpty && value.length === 0 ? null : value, partition }
        if (headers.length > 0) record.headers = headers
        const size = (record.key?.length ?? 0) + (record.value?.length ?? 0)
        inflight++
        inflightBytes += size
        producer.send(record).then(
          (meta) => {
            perPartition.set(meta.partition, (perPartition.get(meta.partition) ?? 0) + 1)
            progress.add(1, size)
          },
          (error: unknown) => {
            failure ??= { error }
          },
        ).finally(() => {
          inflight--
          inflightBytes -= size
          wake?.()
        })
      }
      while (inflight > 0) await waitForProgress()
      progress.stop()
      if (failure) throw failure.error
      console.log(formatProduceSummary({ topic, records: progress.records, bytes: progress.bytes, elapsedMs: progress.elapsedMs(), perPartition }))
      return 0
    } finally {
      input.destroy()
      await producer.close().catch(() => undefined)
      await client.close()
      await file?.close()
    }
  },
}
