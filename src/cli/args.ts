// Argument parsing shared by the `peridot` commands: node:util parseArgs with its errors turned into
// UsageErrors (exit code 2), the common connection flags, and small value parsers.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './errors.js'

/** Options every command that talks to Kafka accepts. */
export const COMMON_OPTIONS = {
  brokers: { type: 'string' },
  'client-id': { type: 'string' },
  /** A client property (`-X key=value`, librdkafka/kcat names), repeatable. */
  property: { type: 'string', short: 'X', multiple: true },
  /** A file of client properties (JSON object or key=value lines), as kcat's -F. */
  'config-file': { type: 'string', short: 'F' },
  quiet: { type: 'boolean', short: 'q', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>

/** Default bootstrap address when neither --brokers nor KAFKA_CONNECT is given. */
export const DEFAULT_BROKERS = '127.0.0.1:9092'

/** Help text lines for {@link COMMON_OPTIONS}. */
export const COMMON_HELP = `Common options:
  --brokers H:P[,H:P]  bootstrap brokers (default: $KAFKA_CONNECT, else ${DEFAULT_BROKERS})
  --client-id ID       client id sent to the broker (default peridot-cli)
  -X, --property K=V   client property, repeatable (security.protocol, ssl.ca.location,
                       ssl.certificate.location, ssl.key.location, ssl.key.password,
                       enable.ssl.certificate.verification, sasl.mechanism, sasl.username,
                       sasl.password, bootstrap.servers, client.id, request.timeout.ms,
                       socket.connection.setup.timeout.ms); "-X list" shows them
  -F, --config-file F  client properties from F: a JSON object or key=value lines
  -q, --quiet          no progress output on stderr
  -h, --help           this help`

type Options = NonNullable<ParseArgsConfig['options']>

/** What {@link parseCommandArgs} returns: typed `values` for `options`, and the positionals. */
export type ParsedCommandArgs<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>

/**
 * parseArgs with positionals allowed, strict option checking, and every parse failure reported as
 * a {@link UsageError} that points at the command's help.
 */
export function parseCommandArgs<O extends Options>(command: string, args: string[], options: O): ParsedCommandArgs<O> {
  try {
    return parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals: true, strict: true })
  } catch (err) {
    // Only the first sentence: node's advice on '--' for unknown options is noise here.
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0].split(/\.\s/)[0]
    throw new UsageError(`${message} (see "peridot ${command} --help")`)
  }
}

/**
 * `--from -10` as `--from=-10`: parseArgs refuses a value that starts with '-' as ambiguous, but a
 * negative number after a string option can only be its value.
 */
function joinNegativeValues(args: readonly string[], options: Options): string[] {
  const takesValue = (arg: string): boolean => {
    if (arg.startsWith('--')) return options[arg.slice(2)]?.type === 'string'
    if (/^-[A-Za-z]$/.test(arg)) return Object.values(options).some((o) => o.short === arg[1] && o.type === 'string')
    return false
  }
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    if (takesValue(args[i]) && i + 1 < args.length && /^-\d+$/.test(args[i + 1])) {
      // --from=-10, or -o-10 for a short option
      out.push(args[i].startsWith('--') ? `${args[i]}=${args[i + 1]}` : `${args[i]}${args[i + 1]}`)
      i++
    } else out.push(args[i])
  }
  return out
}

/** Splits `--brokers a:1,b:2` (or KAFKA_CONNECT) into addresses, checking each looks like host:port. */
export function parseBrokers(value: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = value ?? env.KAFKA_CONNECT ?? DEFAULT_BROKERS
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
  if (list.length === 0) throw new UsageError('--brokers needs at least one host:port')
  for (const b of list) {
    if (!/^(\[[^\]]+\]|[^:[\]]+):\d{1,5}$/.test(b)) throw new UsageError(`invalid broker address "${b}": expected host:port`)
  }
  return list
}

/** An integer flag within [min, max]; undefined when the flag is absent. */
export function parseIntFlag(name: string, value: string | undefined, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined
  const n = /^-?\d+$/.test(value.trim()) ? Number(value) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`
    throw new UsageError(`--${name} must be an integer ${range}, got "${value}"`)
  }
  return n
}

/** `k=v` pairs (repeatable flags such as --config and --header); the value may contain '='. */
export function parseKeyValues(name: string, values: readonly string[] | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const kv of values ?? []) {
    const i = kv.indexOf('=')
    if (i <= 0) throw new UsageError(`--${name} expects key=value, got "${kv}"`)
    out.push([kv.slice(0, i), kv.slice(i + 1)])
  }
  return out
}

/** Where a consumer starts: an offset-spec keyword, an absolute offset, or the first record at/after a time. */
export type StartPosition =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: bigint }
  | { kind: 'timestamp'; timestamp: number }
  /** `back` records before the end of each partition (kcat's `-o -N`), at most back to its start. */
  | { kind: 'fromEnd'; back: bigint }

/** Parses `@TIMESTAMP` (ms since the epoch or an ISO-8601 date); undefined when it is not one. */
export function parseTimestamp(value: string): number | undefined {
  if (!value.startsWith('@')) return undefined
  const t = value.slice(1)
  const ms = /^\d+$/.test(t) ? Number(t) : /^\d{4}-\d{2}-\d{2}/.test(t) ? Date.parse(t) : NaN
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : undefined
}

/**
 * Parses `--from`: `earliest`, `latest`, an offset (`42`), `-N` (N records before the end, as
 * kcat's `-o -N`), or `@TIMESTAMP` where the timestamp is milliseconds since the epoch or an
 * ISO-8601 date (`@2026-11-02T10:00:00Z`).
 */
export function parseStartPosition(value: string | undefined): StartPosition {
  if (value === undefined || value === 'earliest' || value === 'beginning') return { kind: 'earliest' }
  if (value === 'latest' || value === 'end') return { kind: 'latest' }
  if (/^\d+$/.test(value)) return { kind: 'offset', offset: BigInt(value) }
  if (/^-\d+$/.test(value)) return { kind: 'fromEnd', back: -BigInt(value) }
  const timestamp = parseTimestamp(value)
  if (timestamp !== undefined) return { kind: 'timestamp', timestamp }
  throw new UsageError(`--from expects earliest, latest, an offset, -N (N before the end) or @TIMESTAMP (ms or ISO date), got "${value}"`)
}

/** Where a consumer stops: before an offset, or before the first record at or after a time. */
export type EndPosition = { kind: 'offset'; offset: bigint } | { kind: 'timestamp'; timestamp: number }

/** Parses `--until`: an offset (exclusive) or `@TIMESTAMP` (records before that time). */
export function parseEndPosition(value: string | undefined): EndPosition | undefined {
  if (value === undefined) return undefined
  if (/^\d+$/.test(value)) return { kind: 'offset', offset: BigInt(value) }
  const timestamp = parseTimestamp(value)
  if (timestamp !== undefined) return { kind: 'timestamp', timestamp }
  throw new UsageError(`--until expects an offset or @TIMESTAMP (ms or ISO date), got "${value}"`)
}

/** Rejects positionals beyond those expected. */
export function expectPositionals(positionals: readonly string[], count: number, what: string): void {
  if (positionals.length < count) throw new UsageError(`missing ${what}`)
  if (positionals.length > count) throw new UsageError(`unexpected argument "${positionals[count]}"`)
}
