// How `peridot consume` turns a record into output bytes: the byte encoding of keys and values
// (escaped text, raw, base64, hex), the null marker, and kcat-style format strings (%k %s %o ...).
// Pure functions, unit-tested without a broker.
import type { KafkaRecord } from '../index.js'
import { UsageError } from './errors.js'

/** How key, value and header bytes are written. */
export type ByteEncoding = 'text' | 'raw' | 'base64' | 'hex'

const ENCODINGS: readonly ByteEncoding[] = ['text', 'raw', 'base64', 'hex']

/** Parses `--encoding`. */
export function parseEncoding(value: string | undefined): ByteEncoding {
  if (value === undefined) return 'text'
  const e = ENCODINGS.find((x) => x === value)
  if (!e) throw new UsageError(`--encoding must be one of ${ENCODINGS.join(', ')}, got "${value}"`)
  return e
}

/**
 * The text form of bytes, one line whatever they hold: UTF-8 with backslash, newline, carriage
 * return and tab written as `\\`, `\n`, `\r`, `\t` (so a record stays on one line and the TAB
 * between key and value stays unambiguous).
 */
export function escapeText(s: string): string {
  return s.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'))
}

/** The null marker of `-Z`: `\N` can never be the text form of bytes, whose backslashes are doubled. */
export const NULL_MARKER = '\\N'

/** Bytes in an encoding; null as `nullText`. */
export function encodeBytes(b: Buffer | null, encoding: ByteEncoding, nullText = ''): Buffer {
  if (b === null) return Buffer.from(nullText)
  switch (encoding) {
    case 'raw':
      return b
    case 'base64':
      return Buffer.from(b.toString('base64'))
    case 'hex':
      return Buffer.from(b.toString('hex'))
    default:
      return Buffer.from(escapeText(b.toString('utf8')))
  }
}

/** A record with where it comes from, as a format string sees it. */
export interface FormattedRecordSource {
  topic: string
  partition: number
  record: KafkaRecord
}

/** Options of {@link compileFormat}. */
export interface FormatOptions {
  encoding: ByteEncoding
  /** Written for a null key or value (default ''). */
  nullText?: string
}

type Piece = (src: FormattedRecordSource) => Buffer

const lengthOf = (b: Buffer | null): string => (b === null ? '-1' : String(b.length))

/** Help text for the format-string directives. */
export const FORMAT_HELP = `  %s value  %S value length (-1 for null)  %k key  %K key length (-1 for null)
  %t topic  %p partition  %o offset  %T timestamp (ms)  %h headers (name=value,...)
  %%  a percent sign; \\n \\t \\r \\\\ as in C. A newline ends each record unless
  the format ends with \\n itself.`

/**
 * Compiles a kcat-style format string (`-f`) into a function producing a record's output bytes,
 * newline included. Directives are those of kcat: see {@link FORMAT_HELP}.
 */
export function compileFormat(format: string, opts: FormatOptions): (src: FormattedRecordSource) => Buffer {
  const nullText = opts.nullText ?? ''
  const enc = (b: Buffer | null) => encodeBytes(b, opts.encoding, nullText)
  const pieces: Piece[] = []
  let literal = ''
  const flush = () => {
    if (literal.length === 0) return
    const b = Buffer.from(literal)
    pieces.push(() => b)
    literal = ''
  }
  const directive = (p: Piece) => {
    flush()
    pieces.push(p)
  }
  for (let i = 0; i < format.length; i++) {
    const c = format[i]
    if (c === '\\' && i + 1 < format.length) {
      const n = format[++i]
      const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '0': '\0' }
      if (!(n in map)) throw new UsageError(`--format: unknown escape "\\${n}" (known: \\n \\t \\r \\\\ \\0)`)
      literal += map[n]
    } else if (c === '%' && i + 1 < format.length) {
      const d = format[++i]
      switch (d) {
        case '%':
          literal += '%'
          break
        case 's':
          directive((s) => enc(s.record.value))
          break
        case 'S':
          directive((s) => Buffer.from(lengthOf(s.record.value)))
          break
        case 'k':
          directive((s) => enc(s.record.key))
          break
        case 'K':
          directive((s) => Buffer.from(lengthOf(s.record.key)))
          break
        case 't':
          directive((s) => Buffer.from(s.topic))
          break
        case 'p':
          directive((s) => Buffer.from(String(s.partition)))
          break
        case 'o':
          directive((s) => Buffer.from(s.record.offset.toString()))
          break
        case 'T':
          directive((s) => Buffer.from(String(s.record.timestamp)))
          break
        case 'h':
          directive((s) => Buffer.concat(s.record.headers.flatMap(([k, v], j) => [Buffer.from(`${j > 0 ? ',' : ''}${escapeText(k)}=`), enc(v)])))
          break
        default:
          throw new UsageError(`--format: unknown directive "%${d}" (known: %s %S %k %K %t %p %o %T %h %%)`)
      }
    } else {
      literal += c
    }
  }
  if (!format.endsWith('\\n')) literal += '\n'
  flush()
  return (src) => Buffer.concat(pieces.map((p) => p(src)))
}
