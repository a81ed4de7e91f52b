// How `peridot produce` cuts its input into records: at a delimiter (newline by default, or any
// byte string as kcat -D), or the whole input as one record. Bytes stay bytes (binary-safe).
import { UsageError } from './errors.js'

/**
 * Parses `--delimiter`: text with `\n`, `\t`, `\r`, `\0`, `\\` and `\xHH` escapes (so a shell user
 * can name a NUL or a control byte); it must not be empty.
 */
export function parseDelimiter(value: string): Buffer {
  const bytes: number[] = []
  for (let i = 0; i < value.length; i++) {
    const c = value[i]
    if (c !== '\\' || i + 1 === value.length) {
      bytes.push(...Buffer.from(c))
      continue
    }
    const n = value[++i]
    const simple: Record<string, number> = { n: 10, t: 9, r: 13, '0': 0, '\\': 92 }
    if (n in simple) bytes.push(simple[n])
    else if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16))
      i += 2
    } else throw new UsageError(`--delimiter: unknown escape "\\${n}" (known: \\n \\t \\r \\0 \\\\ \\xHH)`)
  }
  if (bytes.length === 0) throw new UsageError('--delimiter must not be empty')
  return Buffer.from(bytes)
}

/**
 * The records of a byte stream, split at `delimiter`; input after the last delimiter is a record
 * when not empty (so a final newline adds no empty record). `stripCR` drops a CR before each
 * delimiter (CRLF line ends).
 */
export async function* splitRecords(input: AsyncIterable<Buffer | string>, delimiter: Buffer, stripCR: boolean): AsyncGenerator<Buffer> {
  const trim = (b: Buffer) => (stripCR && b.length > 0 && b[b.length - 1] === 13 ? b.subarray(0, b.length - 1) : b)
  let pending: Buffer = Buffer.alloc(0)
  for await (const chunk of input) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    // Search only where a delimiter can end in the new bytes (pending had none).
    let from = Math.max(0, pending.length - delimiter.length + 1)
    const buf = pending.length > 0 ? Buffer.concat([pending, data]) : data
    let start = 0
    for (let i = buf.indexOf(delimiter, from); i >= 0; i = buf.indexOf(delimiter, from)) {
      yield trim(buf.subarray(start, i))
      start = i + delimiter.length
      from = start
    }
    pending = buf.subarray(start)
  }
  if (pending.length > 0) yield trim(pending)
}

/** The whole input as one record. */
export async function* wholeInput(input: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  yield Buffer.concat(chunks)
}

/** Splits a record at the first `separator` into key and value; without one the record has no key. */
export function splitKey(record: Buffer, separator: Buffer | undefined): { key: Buffer | null; value: Buffer } {
  if (separator === undefined) return { key: null, value: record }
  const i = record.indexOf(separator)
  if (i < 0) return { key: null, value: record }
  return { key: record.subarray(0, i), value: record.subarray(i + separator.length) }
}
