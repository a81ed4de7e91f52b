// recordFits is the cheap check producers run per record; recordSizeRefusal builds the error only
// for a record that does not fit: the two must agree at every boundary.
import { describe, expect, it } from 'vitest'
import { RECORD_BATCH_OVERHEAD } from '../../../src/protocol/records/index.js'
import { recordFits, recordSizeRefusal } from '../../../src/client/producer/record-size.js'

describe('recordFits', () => {
  it('agrees with recordSizeRefusal around both limits', () => {
    const maxRequest = 1000
    for (const maxBuffered of [500, 5000]) {
      for (let size = 400; size <= 1100; size++) {
        const refusal = recordSizeRefusal(size, 'r', maxRequest, maxBuffered)
        expect(recordFits(size, maxRequest, maxBuffered)).toBe(refusal === undefined)
      }
    }
    expect(recordFits(maxRequest - RECORD_BATCH_OVERHEAD, maxRequest, 5000)).toBe(true)
    expect(recordFits(maxRequest - RECORD_BATCH_OVERHEAD + 1, maxRequest, 5000)).toBe(false)
  })
})
