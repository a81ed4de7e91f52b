import { describe, expect, it } from 'vitest'
import type { MemberSubscription } from '../../../src/client/consumer/assignor.js'
import { assignTasks, decodeAssignmentInfo, encodeSubscriptionInfo } from '../../../src/streams/runtime/streams-assignor.js'

const subs = [
  { id: 0, topics: ['in'], stateful: false },
  { id: 1, topics: ['app-rep-repartition', 'app-table'], stateful: true },
]
const partitionsPerTopic = new Map([['in', 4], ['app-rep-repartition', 4], ['app-table', 4]])

function member(id: string, active: string[] = [], standby: string[] = [], owned: Array<{ topic: string; partition: number }> = []): MemberSubscription {
  return {
    memberId: id, groupInstanceId: null, topics: ['in', 'app-rep-repartition', 'app-table'],
    userData: encodeSubscriptionInfo({ processId: `p-${id}`, endpoint: `${id}:1`, active, standby, local: [] }),
    ownedPartitions: owned, generationId: 1, rackId: null,
  }
}

describe('streams assignor', () => {
  it('one member gets every task; co-partitioned topics stay together', () => {
    const out = assignTasks({ members: [member('a')], partitionsPerTopic }, { subtopologies: subs, numStandbyReplicas: 1 })
    const a = out.get('a')!
    expect(a.partitions).toHaveLength(12)
    const info = decodeAssignmentInfo(a.userData)
    expect(info.active).toEqual(['0_0', '0_1', '0_2', '0_3', '1_0', '1_1', '1_2', '1_3'])
    expect(info.standby).toEqual([]) // no other member
    expect(a.partitions.filter((tp) => tp.partition === 2).map((tp) => tp.topic).sort()).toEqual(['app-rep-repartition', 'app-table', 'in'])
  })

  it('a joining member: owner keeps half, moving tasks are withheld and warmed as standbys; balanced per class', () => {
    const all = ['0_0', '0_1', '0_2', '0_3', '1_0', '1_1', '1_2', '1_3']
    const owned = [...[0, 1, 2, 3].map((p) => ({ topic: 'in', partition: p })), ...[0, 1, 2, 3].flatMap((p) => [{ topic: 'app-rep-repartition', partition: p }, { topic: 'app-table', partition: p }])]
    const out = assignTasks({ members: [member('a', all, [], owned), member('b')], partitionsPerTopic }, { subtopologies: subs, numStandbyReplicas: 0 })
    const a = decodeAssignmentInfo(out.get('a')!.userData)
    const b = decodeAssignmentInfo(out.get('b')!.userData)
    expect(a.active.filter((t) => t.startsWith('1_'))).toHaveLength(2)
    expect(a.active.filter((t) => t.startsWith('0_'))).toHaveLength(2)
    expect(b.active).toEqual([]) // cooperative: withheld until A revokes
    expect(b.standby).toHaveLength(2) // the stateful tasks B will get, warming up
    // Second round: A revoked; B gets the rest.
    const ownedA = out.get('a')!.partitions
    const out2 = assignTasks({ members: [member('a', a.active, [], ownedA), member('b', [], b.standby)], partitionsPerTopic }, { subtopologies: subs, numStandbyReplicas: 1 })
    const a2 = decodeAssignmentInfo(out2.get('a')!.userData)
    const b2 = decodeAssignmentInfo(out2.get('b')!.userData)
    expect(a2.active).toEqual(a.active)
    expect(b2.active.sort()).toEqual(all.filter((t) => !a.active.includes(t)).sort())
    expect(b2.standby.sort()).toEqual(a.active.filter((t) => t.startsWith('1_')).sort())
    expect(a2.standby.sort()).toEqual(b2.active.filter((t) => t.startsWith('1_')).sort())
    expect(b2.hosts['a:1'].active.sort()).toEqual([...a.active].sort())
  })

  it('a task that must move prefers the member with its standby', () => {
    const out = assignTasks({ members: [member('a', [], []), member('b', [], ['1_3'])], partitionsPerTopic }, { subtopologies: subs, numStandbyReplicas: 0 })
    expect(decodeAssignmentInfo(out.get('b')!.userData).active).toContain('1_3')
  })
})
