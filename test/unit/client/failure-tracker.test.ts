import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { ConsumerRetryError, ConsumerUnavailableError } from '../../../src/index.js'
import { FailureTracker } from '../../../src/client/consumer/failure-tracker.js'
import { isCoordinatorUnavailable } from '../../../src/client/consumer/membership.js'
import { ConnectionError, KafkaProtocolError, TimeoutError } from '../../../src/index.js'
import { ErrorCode } from '../../../src/protocol/error-codes.js'

function tracker(deadlineMs?: number) {
  const lines: Array<{ level: number; msg: string; kind?: string }> = []
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) })
  const errors: ConsumerRetryError[] = []
  const t = new FailureTracker(log, 'g', (e) => void errors.push(e), deadlineMs)
  const warnings = () => lines.filter((l) => l.level === 40)
  return { t, lines, errors, warnings }
}

describe('FailureTracker (group consumer failure reporting)', () => {
  it('one warning per kind of failure, not per retry; every failure to onError; a line on recovery', () => {
    const { t, lines, errors, warnings } = tracker()
    for (let i = 0; i < 5; i++) t.failing('coordinator', new Error(`timeout ${i}`))
    t.failing('fetch', new Error('refused'))
    t.failing('fetch', new Error('refused'))
    expect(warnings().map((l) => l.kind)).toEqual(['coordinator', 'fetch'])
    expect(errors).toHaveLength(7)
    expect(errors[0]).toBeInstanceOf(ConsumerRetryError)
    expect(errors[0]!.kind).toBe('coordinator')
    expect((errors[0]!.cause as Error).message).toBe('timeout 0')
    t.recovered('coordinator')
    expect(lines.some((l) => l.level === 30 && l.kind === 'coordinator' && /recovered/.test(l.msg))).toBe(true)
    // A new outage of the same kind warns again.
    t.failing('coordinator', new Error('again'))
    expect(warnings().map((l) => l.kind)).toEqual(['coordinator', 'fetch', 'coordinator'])
  })

  it('overdue: off by default; with a deadline, the typed error once a kind fails longer than it, none after recovery', () => {
    expect(tracker().t.overdue(Date.now() + 1e9)).toBeUndefined()
    const { t } = tracker(1_000)
    const t0 = Date.now()
    t.failing('corrupt-fetch', new Error('bad crc'))
    expect(t.overdue(t0 + 500)).toBeUndefined()
    const err = t.overdue(t0 + 5_000)
    expect(err).toBeInstanceOf(ConsumerUnavailableError)
    expect(err!.kind).toBe('corrupt-fetch')
    expect(err!.message).toMatch(/unavailableTimeoutMs 1000.*bad crc/)
    t.recovered('corrupt-fetch')
    expect(t.overdue(t0 + 5_000)).toBeUndefined()
  })

  it('an onError hook that throws does not break retrying', () => {
    const log = pino({ level: 'silent' })
    const t = new FailureTracker(log, 'g', () => {
      throw new Error('hook bug')
    }, undefined)
    expect(() => t.failing('fetch', new Error('x'))).not.toThrow()
  })

  it('only an unreachable or unready coordinator counts as a coordinator failure, not ordinary group events', () => {
    expect(isCoordinatorUnavailable(new ConnectionError('refused'))).toBe(true)
    expect(isCoordinatorUnavailable(new TimeoutError('no answer'))).toBe(true)
    expect(isCoordinatorUnavailable(new KafkaProtocolError(ErrorCode.NOT_COORDINATOR))).toBe(true)
    expect(isCoordinatorUnavailable(new KafkaProtocolError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS))).toBe(true)
    expect(isCoordinatorUnavailable(new KafkaProtocolError(ErrorCode.REBALANCE_IN_PROGRESS))).toBe(false)
    expect(isCoordinatorUnavailable(new KafkaProtocolError(ErrorCode.ILLEGAL_GENERATION))).toBe(false)
    expect(isCoordinatorUnavailable(new KafkaProtocolError(ErrorCode.UNKNOWN_MEMBER_ID))).toBe(false)
  })
})
