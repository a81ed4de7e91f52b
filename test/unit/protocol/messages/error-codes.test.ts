import { describe, expect, it } from 'vitest'
import { ErrorCode, KAFKA_ERROR_TABLE } from '../../../../src/protocol/error-codes.js'
import { KafkaProtocolError, kafkaErrorInfo } from '../../../../src/protocol/errors.js'

describe('Kafka error table', () => {
  it('lists every code from -1 to 133 once, in order', () => {
    expect(KAFKA_ERROR_TABLE.map((e) => e.code)).toEqual(Array.from({ length: 135 }, (_, i) => i - 1))
    expect(new Set(KAFKA_ERROR_TABLE.map((e) => e.name)).size).toBe(KAFKA_ERROR_TABLE.length)
  })

  it('agrees with the ErrorCode constants', () => {
    for (const e of KAFKA_ERROR_TABLE) expect(ErrorCode[e.name as keyof typeof ErrorCode]).toBe(e.code)
    expect(Object.keys(ErrorCode).length).toBe(KAFKA_ERROR_TABLE.length)
  })

  it('marks retriable codes as Kafka does', () => {
    const retriable = (c: number): boolean => kafkaErrorInfo(c).retriable
    for (const c of [2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 51, 56, 70, 71, 72, 74, 75, 78, 80, 83, 84, 88, 89, 100, 103, 106, 122, 123, 133]) {
      expect(retriable(c), `code ${c}`).toBe(true)
    }
    for (const c of [-1, 0, 1, 8, 10, 27, 29, 35, 45, 47, 59, 87, 90, 120]) expect(retriable(c), `code ${c}`).toBe(false)
    expect(KAFKA_ERROR_TABLE.filter((e) => e.retriable).length).toBe(32)
  })

  it('gives a message for every error', () => {
    for (const e of KAFKA_ERROR_TABLE) if (e.code !== 0) expect(e.message.length).toBeGreaterThan(5)
    const err = new KafkaProtocolError(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect(err.type).toBe('NOT_LEADER_OR_FOLLOWER')
    expect(err.retriable).toBe(true)
    expect(err.message).toMatch(/not the current leader/)
  })
})
