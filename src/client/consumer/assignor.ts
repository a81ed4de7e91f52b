/**
 * Partition assignors for the classic group protocol. The group leader runs
 * one on every member's subscription; the result travels in SyncGroup. The
 * names are the Java client's, so Peridot and Java members can share a group.
 */

/** A topic and a partition. */
export interface TopicPartition {
  topic: string
  partition: number
}

/** What one member told the group in JoinGroup. */
export interface MemberSubscription {
  memberId: string
  groupInstanceId: string | null
  topics: string[]
  /** Assignor-specific data (e.g. the streams runtime's task state). */
  userData: Buffer | null
  /** Partitions the member owns now (cooperative rebalancing). */
  ownedPartitions: TopicPartition[]
  /** Generation in which it owned them; -1 when unknown. */
  generationId: number
  rackId: string | null
}

/** One member's share. */
export interface MemberAssignment {
  partitions: TopicPartition[]
  userData: Buffer | null
}

/** Everything an assignor may look at. */
export interface AssignmentContext {
  members: MemberSubscription[]
  /** Partition count of every subscribed topic that exists. */
  partitionsPerTopic: Map<string, number>
}

/** A partition assignor; implement this for custom strategies. */
export interface Assignor {
  /** Protocol name announced in JoinGroup, e.g. 'range'. */
  readonly name: string
  /** 'eager' revokes everything before a rebalance; 'cooperative' only what moves. */
  readonly protocol: 'eager' | 'cooperative'
  /** User data to send in this member's subscription. */
  subscriptionUserData?(topics: string[]): Buffer | null
  /** Computes every member's assignment (run by the leader only). */
  assign(ctx: AssignmentContext): Map<string, MemberAssignment>
}

/** Java's member ordering: static members by instance id, then by member id. */
function compareMembers(a: MemberSubscription, b: MemberSubscription): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return a.groupInstanceId < b.groupInstanceId ? -1 : a.groupInstanceId > b.groupInstanceId ? 1 : 0
  if (a.groupInstanceId !== null) return -1
  if (b.groupInstanceId !== null) return 1
  return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0
}

function emptyAssignment(members: MemberSubscription[]): Map<string, MemberAssignment> {
  return new Map(members.map((m) => [m.memberId, { partitions: [], userData: null }]))
}

function sortedTopics(ctx: AssignmentContext): string[] {
  const topics = new Set<string>()
  for (const m of ctx.members) for (const t of m.topics) if (ctx.partitionsPerTopic.has(t)) topics.add(t)
  return [...topics].sort()
}

/** Java's RangeAssignor: per topic, contiguous ranges; the first members get one extra. */
export const rangeAssignor: Assignor = {
  name: 'range',
  protocol: 'eager',
  assign(ctx) {
    const out = emptyAssignment(ctx.members)
    for (const topic of sortedTopics(ctx)) {
      const n = ctx.partitionsPerTopic.get(topic)!
      const members = ctx.members.filter((m) => m.topics.includes(topic)).sort(compareMembers)
      const per = Math.floor(n / members.length)
      const extra = n % members.length
      members.forEach((m, i) => {
        const start = i * per + Math.min(i, extra)
        const len = per + (i < extra ? 1 : 0)
        for (let p = start; p < start + len; p++) out.get(m.memberId)!.partitions.push({ topic, partition: p })
      })
    }
    return out
  },
}

/** Java's RoundRobinAssignor: all partitions in topic order, dealt to members in turn. */
export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  protocol: 'eager',
  assign(ctx) {
    const out = emptyAssignment(ctx.members)
    const members = [...ctx.members].sort(compareMembers)
    if (members.length === 0) return out
    let i = 0
    for (const topic of sortedTopics(ctx)) {
      const n = ctx.partitionsPerTopic.get(topic)!
      for (let p = 0; p < n; p++) {
        // Next member (cyclically) that subscribes to this topic.
        while (!members[i % members.length].topics.includes(topic)) i++
        out.get(members[i % members.length].memberId)!.partitions.push({ topic, partition: p })
        i++
      }
    }
    return out
  },
}

const key = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`

/**
 * Sticky balanced assignment that keeps every partition with its current
 * owner where balance allows. With `cooperative`, a partition moving to a new
 * owner is left out this round (the old owner revokes it and rejoins, and the
 * next rebalance hands it over), so nothing is owned by two members at once.
 */
export function stickyAssign(ctx: AssignmentContext, cooperative: boolean): Map<string, MemberAssignment> {
  const out = emptyAssignment(ctx.members)
  const members = [...ctx.members].sort(compareMembers)
  if (members.length === 0) return out
  const all: TopicPartition[] = []
  for (const topic of sortedTopics(ctx)) for (let p = 0; p < ctx.partitionsPerTopic.get(topic)!; p++) all.push({ topic, partition: p })
  const exists = new Set(all.map(key))

  // Current owners: when two members claim a partition, the higher generation wins.
  const owner = new Map<string, { memberId: string; generation: number }>()
  for (const m of members) {
    for (const tp of m.ownedPartitions) {
      const k = key(tp)
      if (!exists.has(k) || !m.topics.includes(tp.topic)) continue
      const cur = owner.get(k)
      if (!cur || m.generationId > cur.generation) owner.set(k, { memberId: m.memberId, generation: m.generationId })
    }
  }

  const quotaBase = Math.floor(all.length / members.length)
  let extras = all.length % members.length
  const target = new Map<string, TopicPartition[]>(members.map((m) => [m.memberId, []]))
  const assigned = new Set<string>()
  // Keep owned partitions up to each member's quota (floor, or floor+1 while extras remain).
  for (const m of members) {
    const mine = all.filter((tp) => owner.get(key(tp))?.memberId === m.memberId)
    let quota = quotaBase
    if (mine.length > quotaBase && extras > 0) {
      quota++
      extras--
    }
    for (const tp of mine.slice(0, quota)) {
      target.get(m.memberId)!.push(tp)
      assigned.add(key(tp))
    }
  }
  // Deal the rest to the least-loaded eligible member.
  for (const tp of all) {
    if (assigned.has(key(tp))) continue
    let best: MemberSubscription | undefined
    for (const m of members) {
      if (!m.topics.includes(tp.topic)) continue
      if (!best || target.get(m.memberId)!.length < target.get(best.memberId)!.length) best = m
    }
    if (!best) continue
    target.get(best.memberId)!.push(tp)
    assigned.add(key(tp))
  }

  for (const m of members) {
    const parts = target.get(m.memberId)!
    const keep = cooperative
      ? parts.filter((tp) => {
          const o = owner.get(key(tp))
          return o === undefined || o.memberId === m.memberId
        })
      : parts
    out.get(m.memberId)!.partitions = keep.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
  }
  return out
}

/** Java's CooperativeStickyAssignor name and protocol: incremental rebalancing. */
export const cooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  protocol: 'cooperative',
  assign: (ctx) => stickyAssign(ctx, true),
}
