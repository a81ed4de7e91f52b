/**
 * Checks of caller input, so bad records fail with a clear InvalidArgumentError
 * before anything is encoded or sent.
 */
import { InvalidArgumentError } from '../protocol/errors.js'
import type { ProduceRecord } from '../protocol/records/index.js'

function isBytesOrNull(v: unknown): boolean {
  return v === null || v instanceof Uint8Array
}

function isPayload(v: unknown): boolean {
  return v === null || typeof v === 'string' || v instanceof Uint8Array
}

/** Throws InvalidArgumentError naming the first bad record and field. */
export function validateProduceRecords(records: readonly ProduceRecord[]): void {
  if (!Array.isArray(records)) throw new InvalidArgumentError('records must be an array')
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as ProduceRecord | null | undefined
    if (r === null || typeof r !== 'object') throw new InvalidArgumentError(`record ${i} must be an object`)
    if (r.key !== undefined && !isPayload(r.key)) throw new InvalidArgumentError(`record ${i}: key must be a Buffer, a string or null (got ${typeof r.key})`)
    if (!isPayload(r.value)) throw new InvalidArgumentError(`record ${i}: value must be a Buffer, a string or null (got ${r.value === undefined ? 'undefined' : typeof r.value})`)
    if (r.timestamp !== undefined && (!Number.isSafeInteger(r.timestamp) || r.timestamp < 0)) {
      throw new InvalidArgumentError(`record ${i}: timestamp must be a non-negative integer of milliseconds (got ${String(r.timestamp)})`)
    }
    if (r.headers !== undefined) {
      if (!Array.isArray(r.headers)) throw new InvalidArgumentError(`record ${i}: headers must be an array of [string, Buffer | null]`)
      for (const h of r.headers) {
        if (!Array.isArray(h) || typeof h[0] !== 'string' || !isBytesOrNull(h[1])) {
          throw new InvalidArgumentError(`record ${i}: each header must be [string, Buffer | null]`)
        }
      }
    }
  }
}
