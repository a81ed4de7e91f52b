import { describe, expect, it } from 'vitest'
import { InvalidArgumentError } from '../../../src/protocol/errors.js'
import { AcknowledgeType } from '../../../src/protocol/messages/share-acknowledgements.js'
import { resolveShareConsumerOptions, type ShareConsumerOptions } from '../../../src/client/share/share-consumer-options.js'
import { ShareAcknowledgementError } from '../../../src/client/share/share-errors.js'
import { AcknowledgementTracker, toAcknowledgementBatches } from '../../../src/client/share/share-record.js'

const rec = (offset: bigint) => ({ offset, timestamp: 0, key: null, value: Buffer.from(`v${offset}`), headers: [] })

describe('share consumer options', () => {
  it('applies the defaults', () => {
    expect(resolveShareConsumerOptions({ groupId: 'g', topics: ['t', 't'] })).toMatchObject({
      groupId: 'g', topics: ['t'], acknowledgementMode: 'implicit', maxRecords: 500, maxWaitMs: 500, minBytes: 1, rackId: null,
    })
  })

  it.each<[string, unknown]>([
    ['groupId', { groupId: '', topics: ['t'] }],
    ['topics', { groupId: 'g', topics: [] }],
    ['topic name', { groupId: 'g', topics: ['bad name'] }],
    ['acknowledgementMode', { groupId: 'g', topics: ['t'], acknowledgementMode: 'auto' }],
    ['maxRecords', { groupId: 'g', topics: ['t'], maxRecords: 0 }],
    ['maxWaitMs', { groupId: 'g', topics: ['t'], maxWaitMs: 1.5 }],
    ['onAcknowledgementCommit', { groupId: 'g', topics: ['t'], onAcknowledgementCommit: 'x' }],
    ['the options', undefined],
  ])('refuses a bad %s with InvalidArgumentError naming it', (what, options) => {
    expect(() => resolveShareConsumerOptions(options as ShareConsumerOptions)).toThrow(InvalidArgumentError)
    if (what !== 'the options' && what !== 'topic name') expect(() => resolveShareConsumerOptions(options as ShareConsumerOptions)).toThrow(what)
  })
})

describe('acknowledgement batches on the wire', () => {
  it('contiguous offsets share a range; one type when all agree, else one per offset', () => {
    const acks = new Map<bigint, number>([
      [5n, AcknowledgeType.ACCEPT],
      [3n, AcknowledgeType.ACCEPT],
      [4n, AcknowledgeType.ACCEPT],
      [9n, AcknowledgeType.RELEASE],
      [10n, AcknowledgeType.REJECT],
    ])
    expect(toAcknowledgementBatches(acks)).toEqual([
      { firstOffset: 3n, lastOffset: 5n, acknowledgeTypes: [AcknowledgeType.ACCEPT] },
      { firstOffset: 9n, lastOffset: 10n, acknowledgeTypes: [AcknowledgeType.RELEASE, AcknowledgeType.REJECT] },
    ])
    expect(toAcknowledgementBatches(new Map())).toEqual([])
  })
})

describe('AcknowledgementTracker', () => {
  it('implicit mode: the batch in hand is accepted when the next is asked for, gaps included; one-by-one acks are refused', () => {
    const t = new AcknowledgementTracker('implicit')
    const a = t.deliver('t', 0, 1, rec(0n))
    t.deliver('t', 0, 1, rec(2n))
    t.gap('t', 0, 1n)
    expect(() => a.accept()).toThrow(ShareAcknowledgementError)
    t.finishBatch()
    expect(t.take()).toEqual([
      { topic: 't', partition: 0, offsets: [0n, 1n, 2n], renew: false, batches: [{ firstOffset: 0n, lastOffset: 2n, acknowledgeTypes: [1, 0, 1] }] },
    ])
    expect(t.hasPending).toBe(false)
  })

  it('explicit mode: every record needs a final acknowledgement before the next batch; renew is not final; no record is acknowledged twice', () => {
    const t = new AcknowledgementTracker('explicit')
    const a = t.deliver('t', 1, 1, rec(7n))
    const b = t.deliver('t', 1, 2, rec(8n))
    expect(b.deliveryCount).toBe(2)
    a.accept()
    expect(() => a.reject()).toThrow(ShareAcknowledgementError)
    b.renew()
    expect(t.take()).toMatchObject([{ offsets: [7n, 8n], renew: true, batches: [{ firstOffset: 7n, lastOffset: 8n, acknowledgeTypes: [AcknowledgeType.ACCEPT, AcknowledgeType.RENEW] }] }])
    expect(() => t.finishBatch()).toThrow(ShareAcknowledgementError)
    b.release()
    expect(b.acknowledgement).toBe('release')
    t.finishBatch()
    expect(t.take()).toMatchObject([{ offsets: [8n], renew: false, batches: [{ acknowledgeTypes: [AcknowledgeType.RELEASE] }] }])
    // A record of an earlier batch can no longer be acknowledged.
    expect(() => b.accept()).toThrow(/earlier batch/)
  })

  it('acknowledgements taken but not sent can be put back; newer ones of the same offset win', () => {
    const t = new AcknowledgementTracker('explicit')
    const [a, b, c] = [t.deliver('t', 0, 1, rec(0n)), t.deliver('t', 0, 1, rec(1n)), t.deliver('t', 0, 1, rec(2n))]
    a.accept()
    b.renew()
    c.reject()
    const taken = t.take()
    b.release()
    t.restore(taken)
    expect(t.take()).toMatchObject([
      { offsets: [0n, 1n, 2n], renew: false, batches: [{ firstOffset: 0n, lastOffset: 2n, acknowledgeTypes: [AcknowledgeType.ACCEPT, AcknowledgeType.RELEASE, AcknowledgeType.REJECT] }] },
    ])
  })

  it('refuses records of another consumer and unknown kinds with InvalidArgumentError', () => {
    const t = new AcknowledgementTracker('explicit')
    const other = new AcknowledgementTracker('explicit').deliver('t', 0, 1, rec(0n))
    expect(() => t.acknowledge(other, 'accept')).toThrow(InvalidArgumentError)
    const mine = t.deliver('t', 0, 1, rec(1n))
    expect(() => t.acknowledge(mine, 'done' as never)).toThrow(InvalidArgumentError)
    expect(() => t.acknowledge({ ...mine }, 'accept')).toThrow(InvalidArgumentError)
  })
})
