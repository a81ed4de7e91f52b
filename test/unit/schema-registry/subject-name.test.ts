import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from 'peridot-kafka'
import { subjectName } from 'peridot-kafka/schema-registry'

describe('subject name strategies', () => {
  it('TopicName: <topic>-key / <topic>-value', () => {
    expect(subjectName('TopicName', 'orders', false, 'shop.Order')).toBe('orders-value')
    expect(subjectName('TopicName', 'orders', true, undefined)).toBe('orders-key')
  })
  it('RecordName and TopicRecordName use the record name, and need one', () => {
    expect(subjectName('RecordName', 'orders', false, 'shop.Order')).toBe('shop.Order')
    expect(subjectName('TopicRecordName', 'orders', true, 'shop.Order')).toBe('orders-shop.Order')
    expect(() => subjectName('RecordName', 'orders', false, undefined)).toThrow(InvalidArgumentError)
  })
  it('a custom strategy gets the topic, side and record name', () => {
    expect(subjectName((c) => `${c.topic}.${c.isKey ? 'k' : 'v'}.${c.recordName}`, 't', false, 'R')).toBe('t.v.R')
    expect(() => subjectName(() => '', 't', false, 'R')).toThrow(InvalidArgumentError)
  })
})
