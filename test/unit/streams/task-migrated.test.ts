import { describe, expect, it } from 'vitest'
import { ProducerFencedError, TransactionAbortableError } from '../../../src/client/producer/errors.js'
import { isTaskMigrated } from '../../../src/streams/runtime/task-migrated.js'

describe('isTaskMigrated', () => {
  it('is true for a fenced producer, directly or as the cause of another error', () => {
    const fenced = new ProducerFencedError('fenced')
    expect(isTaskMigrated(fenced)).toBe(true)
    expect(isTaskMigrated(new TransactionAbortableError('commit refused', { cause: fenced }))).toBe(true)
  })
  it('is false for other errors and non-errors', () => {
    expect(isTaskMigrated(new TransactionAbortableError('aborted'))).toBe(false)
    expect(isTaskMigrated(new Error('x', { cause: 'fenced' }))).toBe(false)
    expect(isTaskMigrated('ProducerFencedError')).toBe(false)
    expect(isTaskMigrated(undefined)).toBe(false)
  })
})
