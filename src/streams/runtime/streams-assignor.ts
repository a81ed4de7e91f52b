/**
 * The streams partition assignor: the group leader turns every member's subscription into tasks
 * per member. A task is (sub-topology, partition): partition N of every source topic of a
 * sub-topology belongs to task N, so co-partitioned topics always land together.
 *
 * Placement is sticky (a task stays with the member that owns it now, or that ran it before),
 * balanced (every member gets floor or ceil of tasks/members), prefers members holding a warm
 * copy (a standby or local state) for tasks that must move, and adds `numStandbyReplicas`
 * standby tasks on other members. The protocol is cooperative: a task that moves away from a
 * live owner is withheld for one round (its owner revokes it and rejoins, and the next round
 * hands it over), so a task is never active on two members at once.
 *
 * Subscription and assignment user data are versioned JSON (small, and readable in
 * `admin.describeGroups()` output).
 */
import type { Assignor, AssignmentContext, MemberAssignment, TopicPartition } from '../../client/consumer/assignor.js'

/** Name of the assignor in JoinGroup (Kafka Streams' is 'stream'; the user data format differs, so Java members cannot join). */
export const STREAMS_ASSIGNOR_NAME = 'peridot-stream'

const VERSION = 1

/** What one instance tells the leader when it joins. */
export interface StreamsSubscriptionInfo {
  /** Stable id of the instance (survives restarts through the state directory). */
  processId: string
  /** `host:port` for interactive queries, or null. */
  endpoint: string | null
  /** Tasks active on this instance now. */
  active: string[]
  /** Standby tasks this instance keeps now. */
  standby: string[]
  /** Other tasks with local state on disk (checkpoints): cheap to take over. */
  local: string[]
}

/** Where every task runs, by endpoint. */
export type HostMap = Record<string, { active: string[]; standby: string[] }>

/** What one instance receives. */
export interface StreamsAssignmentInfo {
  active: string[]
  standby: string[]
  /** Every member's tasks, by endpoint (members without an endpoint are left out). */
  hosts: HostMap
}

/** A non-global sub-topology as the assignor sees it. */
export interface AssignorSubtopology {
  id: number
  /** Full source topic names (internal ones with the application id prefix). */
  topics: readonly string[]
  /** Has logged stores: only such tasks get standbys. */
  stateful: boolean
}

export function encodeSubscriptionInfo(info: StreamsSubscriptionInfo): Buffer {
  return Buffer.from(JSON.stringify({ v: VERSION, ...info }))
}

export function decodeSubscriptionInfo(data: Buffer | null): StreamsSubscriptionInfo | null {
  if (data === null || data.length === 0) return null
  try {
    const o = JSON.parse(data.toString('utf8')) as Partial<StreamsSubscriptionInfo> & { v?: number }
    if (o.v !== VERSION || typeof o.processId !== 'string') return null
    return { processId: o.processId, endpoint: o.endpoint ?? null, active: o.active ?? [], standby: o.standby ?? [], local: o.local ?? [] }
  } catch {
    return null
  }
}

export function encodeAssignmentInfo(info: StreamsAssignmentInfo): Buffer {
  return Buffer.from(JSON.stringify({ v: VERSION, ...info }))
}

export function decodeAssignmentInfo(data: Buffer | null): StreamsAssignmentInfo {
  if (data === null || data.length === 0) return { active: [], standby: [], hosts: {} }
  const o = JSON.parse(data.toString('utf8')) as Partial<StreamsAssignmentInfo> & { v?: number }
  if (o.v !== VERSION) throw new Error(`streams assignment user data version ${String(o.v)} is not supported (expected ${VERSION})`)
  return { active: o.active ?? [], standby: o.standby ?? [], hosts: o.hosts ?? {} }
}

/** `<subtopology>_<partition>`, as Kafka Streams names tasks. */
export function taskId(subtopology: number, partition: number): string {
  return `${subtopology}_${partition}`
}

/** The partitions of the source topics that make up a task. */
export function taskPartitions(sub: AssignorSubtopology, partition: number, partitionsPerTopic: ReadonlyMap<string, number>): TopicPartition[] {
  const out: TopicPartition[] = []
  for (const topic of sub.topics) if ((partitionsPerTopic.get(topic) ?? 0) > partition) out.push({ topic, partition })
  return out
}

/** Options of {@link streamsAssignor}. */
export interface StreamsAssignorOptions {
  subtopologies: readonly AssignorSubtopology[]
  numStandbyReplicas: number
  /** This instance's subscription user data, computed at each join. */
  subscription(): StreamsSubscriptionInfo
  /** Warnings (e.g. a source topic missing). */
  warn?(message: string): void
}

interface MemberState {
  memberId: string
  info: StreamsSubscriptionInfo
  owned: Set<string>
  active: string[]
  standby: Set<string>
}

/** The assignor of a {@link KafkaStreams} instance's group consumer. */
export function streamsAssignor(options: StreamsAssignorOptions): Assignor {
  return {
    name: STREAMS_ASSIGNOR_NAME,
    protocol: 'cooperative',
    subscriptionUserData: () => encodeSubscriptionInfo(options.subscription()),
    assign: (ctx) => assignTasks(ctx, options),
  }
}

/** The assignment computation (exported for unit tests). */
export function assignTasks(ctx: AssignmentContext, options: Pick<StreamsAssignorOptions, 'subtopologies' | 'numStandbyReplicas' | 'warn'>): Map<string, MemberAssignment> {
  // All tasks and their partitions.
  const tasks: Array<{ id: string; partitions: TopicPartition[]; stateful: boolean }> = []
  const taskOfPartition = new Map<string, string>()
  for (const sub of options.subtopologies) {
    const counts = sub.topics.map((t) => ctx.partitionsPerTopic.get(t))
    if (counts.some((n) => n === undefined)) {
      options.warn?.(`sub-topology ${sub.id}: source topic(s) ${sub.topics.filter((t) => !ctx.partitionsPerTopic.has(t)).join(', ')} missing; its tasks are not assigned`)
      continue
    }
    const n = Math.max(...(counts as number[]))
    for (let p = 0; p < n; p++) {
      const id = taskId(sub.id, p)
      const partitions = taskPartitions(sub, p, ctx.partitionsPerTopic)
      tasks.push({ id, partitions, stateful: sub.stateful })
      for (const tp of partitions) taskOfPartition.set(`${tp.topic}\u0000${tp.partition}`, id)
    }
  }

  const members: MemberState[] = [...ctx.members]
    .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
    .map((m) => {
      const info = decodeSubscriptionInfo(m.userData) ?? { processId: m.memberId, endpoint: null, active: [], standby: [], local: [] }
      const owned = new Set<string>()
      for (const tp of m.ownedPartitions) {
        const t = taskOfPartition.get(`${tp.topic}\u0000${tp.partition}`)
        if (t !== undefined) owned.add(t)
      }
      return { memberId: m.memberId, info, owned, active: [], standby: new Set<string>() }
    })
  const out = new Map<string, MemberAssignment>()
  if (members.length === 0) return out

  // Current owner per task (from owned partitions: authoritative for cooperative hand-over), else
  // the member that says it ran the task before (e.g. it restarted with the same state).
  const owner = new Map<string, MemberState>()
  for (const m of members) for (const t of m.owned) if (!owner.has(t)) owner.set(t, m)
  const previous = new Map<string, MemberState>()
  for (const m of members) for (const t of m.info.active) if (!previous.has(t)) previous.set(t, m)

  // Stateful and stateless tasks are balanced separately (stateful ones cost restoration and
  // memory). Per class: capacities floor or ceil, the extra slots to the members that keep the
  // most of the class (then the least loaded overall); keep tasks where they are up to capacity,
  // then place the rest on a member with a warm copy (standby or local state), else the least loaded.
  const target = new Map<string, MemberState>()
  const warm = (m: MemberState, id: string) => m.info.standby.includes(id) || m.info.local.includes(id) || m.info.active.includes(id)
  for (const stateful of [true, false]) {
    const cls = tasks.filter((t) => t.stateful === stateful)
    if (cls.length === 0) continue
    const base = Math.floor(cls.length / members.length)
    let extra = cls.length % members.length
    const sticky = new Map(members.map((m) => [m, cls.filter((t) => (owner.get(t.id) ?? previous.get(t.id)) === m).length]))
    const cap = new Map<MemberState, number>()
    for (const m of [...members].sort((a, b) => (sticky.get(b) as number) - (sticky.get(a) as number) || a.active.length - b.active.length)) {
      cap.set(m, base + (extra > 0 ? 1 : 0))
      if (extra > 0) extra--
    }
    const used = new Map(members.map((m) => [m, 0]))
    const place = (t: { id: string }, m: MemberState) => {
      m.active.push(t.id)
      target.set(t.id, m)
      used.set(m, (used.get(m) as number) + 1)
    }
    for (const t of cls) {
      const m = owner.get(t.id) ?? previous.get(t.id)
      if (m !== undefined && (used.get(m) as number) < (cap.get(m) as number)) place(t, m)
    }
    for (const t of cls) {
      if (target.has(t.id)) continue
      let best: MemberState | undefined
      for (const m of members) {
        if ((used.get(m) as number) >= (cap.get(m) as number)) continue
        if (best === undefined) best = m
        else {
          const wm = warm(m, t.id)
          const wb = warm(best, t.id)
          if ((wm && !wb) || (wm === wb && m.active.length < best.active.length)) best = m
        }
      }
      place(t, best ?? members.reduce((a, b) => (b.active.length < a.active.length ? b : a)))
    }
  }

  // 3. Standbys on other members: warm ones first, then the fewest standbys.
  for (let r = 0; r < options.numStandbyReplicas; r++) {
    for (const t of tasks) {
      if (!t.stateful) continue
      const active = target.get(t.id) as MemberState
      let best: MemberState | undefined
      for (const m of members) {
        if (m === active || m.standby.has(t.id)) continue
        if (best === undefined) best = m
        else {
          const wm = warm(m, t.id)
          const wb = warm(best, t.id)
          if ((wm && !wb) || (wm === wb && m.standby.size < best.standby.size)) best = m
        }
      }
      best?.standby.add(t.id)
    }
  }

  // Cooperative hand-over: a task moving away from a live owner is withheld this round; the
  // owner revokes it and rejoins. Its new member keeps a standby meanwhile so it starts warming up.
  const byId = new Map(tasks.map((t) => [t.id, t]))
  const hosts: HostMap = {}
  const assigned = new Map<string, string[]>()
  for (const m of members) {
    const mine = m.active.filter((id) => {
      const o = owner.get(id)
      if (o !== undefined && o !== m) {
        if (byId.get(id)?.stateful === true) m.standby.add(id)
        return false
      }
      return true
    })
    for (const id of mine) m.standby.delete(id)
    assigned.set(m.memberId, mine)
    if (m.info.endpoint !== null) {
      const h = (hosts[m.info.endpoint] ??= { active: [], standby: [] })
      h.active.push(...mine)
      h.standby.push(...m.standby)
    }
  }
  // Withheld tasks are still served by their current owner: show them there for queries.
  for (const m of members) {
    if (m.info.endpoint === null) continue
    for (const id of m.owned) if (!(assigned.get(m.memberId) ?? []).includes(id)) hosts[m.info.endpoint].active.push(id)
  }
  for (const m of members) {
    const active = (assigned.get(m.memberId) ?? []).sort(compareTaskIds)
    const standby = [...m.standby].sort(compareTaskIds)
    out.set(m.memberId, {
      partitions: active.flatMap((id) => (byId.get(id) as { partitions: TopicPartition[] }).partitions),
      userData: encodeAssignmentInfo({ active, standby, hosts }),
    })
  }
  return out
}

/** Orders `s_p` task ids by sub-topology, then partition. */
export function compareTaskIds(a: string, b: string): number {
  const [sa, pa] = a.split('_').map(Number)
  const [sb, pb] = b.split('_').map(Number)
  return sa - sb || pa - pb
}
