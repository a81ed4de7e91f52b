import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  cooperativeStickyAssignor,
  rangeAssignor,
  roundRobinAssignor,
  stickyAssign,
  type MemberSubscription,
  type TopicPartition,
} from '../../../src/client/consumer/assignor.js'

function member(id: string, topics: string[], owned: TopicPartition[] = [], generationId = 1): MemberSubscription {
  return { memberId: id, groupInstanceId: null, topics, userData: null, ownedPartitions: owned, generationId, rackId: null }
}

const fmt = (ps: TopicPartition[]) => ps.map((p) => `${p.topic}-${p.partition}`)

describe('range assignor', () => {
  it('gives contiguous ranges per topic, extras to the first members (Java RangeAssignor)', () => {
    const res = rangeAssignor.assign({
      members: [member('c1', ['t0', 't1']), member('c0', ['t0', 't1'])],
      partitionsPerTopic: new Map([
        ['t0', 3],
        ['t1', 3],
      ]),
    })
    expect(fmt(res.get('c0')!.partitions)).toEqual(['t0-0', 't0-1', 't1-0', 't1-1'])
    expect(fmt(res.get('c1')!.partitions)).toEqual(['t0-2', 't1-2'])
  })

  it('orders static members by group instance id', () => {
    const a = { ...member('zzz', ['t']), groupInstanceId: 'a' }
    const b = { ...member('aaa', ['t']), groupInstanceId: 'b' }
    const res = rangeAssignor.assign({ members: [b, a], partitionsPerTopic: new Map([['t', 2]]) })
    expect(fmt(res.get('zzz')!.partitions)).toEqual(['t-0'])
    expect(fmt(res.get('aaa')!.partitions)).toEqual(['t-1'])
  })
})

describe('round-robin assignor', () => {
  it('deals partitions across topics in turn (Java RoundRobinAssignor)', () => {
    const res = roundRobinAssignor.assign({
      members: [member('c0', ['t0', 't1']), member('c1', ['t0', 't1'])],
      partitionsPerTopic: new Map([
        ['t0', 3],
        ['t1', 3],
      ]),
    })
    expect(fmt(res.get('c0')!.partitions)).toEqual(['t0-0', 't0-2', 't1-1'])
    expect(fmt(res.get('c1')!.partitions)).toEqual(['t0-1', 't1-0', 't1-2'])
  })

  it('skips members not subscribed to a topic', () => {
    const res = roundRobinAssignor.assign({
      members: [member('c0', ['t0']), member('c1', ['t0', 't1'])],
      partitionsPerTopic: new Map([
        ['t0', 2],
        ['t1', 2],
      ]),
    })
    expect(fmt(res.get('c0')!.partitions)).toEqual(['t0-0'])
    expect(fmt(res.get('c1')!.partitions)).toEqual(['t0-1', 't1-0', 't1-1'])
  })
})

describe('cooperative-sticky assignor', () => {
  it('moves only what balance requires when a member joins, and withholds moved partitions for one round', () => {
    const six = new Map([['t', 6]])
    const first = cooperativeStickyAssignor.assign({ members: [member('a', ['t'])], partitionsPerTopic: six })
    expect(first.get('a')!.partitions).toHaveLength(6)
    // b joins; a still owns all six.
    const second = cooperativeStickyAssignor.assign({
      members: [member('a', ['t'], first.get('a')!.partitions), member('b', ['t'])],
      partitionsPerTopic: six,
    })
    expect(second.get('a')!.partitions).toHaveLength(3) // a keeps three, revokes three
    expect(second.get('b')!.partitions).toHaveLength(0) // not yet: a must revoke first
    // Follow-up rebalance after a revoked: b gets the three.
    const third = cooperativeStickyAssignor.assign({
      members: [member('a', ['t'], second.get('a')!.partitions, 2), member('b', ['t'], [], 2)],
      partitionsPerTopic: six,
    })
    expect(fmt(third.get('a')!.partitions)).toEqual(fmt(second.get('a')!.partitions))
    expect(third.get('b')!.partitions).toHaveLength(3)
  })

  it('is balanced, complete and exclusive for any owned state (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 40 }), fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 40 }), (nMembers, nParts, owners) => {
        const members = Array.from({ length: nMembers }, (_, i) =>
          member(
            `m${i}`,
            ['t'],
            owners.flatMap((o, p) => (o === i && p < nParts ? [{ topic: 't', partition: p }] : [])),
          ),
        )
        const res = stickyAssign({ members, partitionsPerTopic: new Map([['t', nParts]]) }, false)
        const counts = [...res.values()].map((a) => a.partitions.length)
        const all = [...res.values()].flatMap((a) => fmt(a.partitions))
        expect(new Set(all).size).toBe(all.length)
        expect(all.length).toBe(nParts)
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1)
        // Stickiness: a member keeps owned partitions up to its fair share.
        for (const m of members) {
          const kept = res.get(m.memberId)!.partitions.filter((tp) => m.ownedPartitions.some((o) => o.partition === tp.partition)).length
          expect(kept).toBeGreaterThanOrEqual(Math.min(m.ownedPartitions.length, Math.floor(nParts / nMembers)))
        }
      }),
    )
  })
})
