// Share groups (KIP-932) on the broker: members sharing one partition, release / reject / renew,
// records of a stalled or vanished member coming back, the delivery count limit, and the
// acknowledgement rules of implicit and explicit mode. On Kafka 3.9, UnsupportedVersionError.
import { describe, expect, it } from 'vitest'
import { Client, ShareAcknowledgementError, UnsupportedVersionError, type ShareConsumer, type ShareRecord } from '../../src/index.js'
import { parseBrokerAddress } from '../../src/client/cluster.js'
import { bootstrap, sharedClient, uniqueTopic } from './helpers.js'
import { configureShareGroup, produceBatch, produceEach, shareGroupsExpected } from './share-helpers.js'
import { startTcpProxy } from './tcp-proxy.js'

const client = sharedClient()

const text = (r: ShareRecord): string => r.value?.toString() ?? ''

/** Reads batches until `done` holds for what was seen, handing each batch to `onBatch` (default: nothing, i.e. implicit acceptance). */
async function readUntil(c: ShareConsumer, done: (seen: ShareRecord[]) => boolean, onBatch?: (records: ShareRecord[]) => void | Promise<void>): Promise<ShareRecord[]> {
  const seen: ShareRecord[] = []
  for await (const batch of c) {
    seen.push(...batch.records)
    await onBatch?.(batch.records)
    if (done(seen)) break
  }
  return seen
}

describe.runIf(shareGroupsExpected())('share consumer', () => {
  it('several members share one partition: every record is delivered and accepted exactly once, across members', async () => {
    const topic = uniqueTopic('share-many')
    const groupId = uniqueTopic('sg-many')
    await client().createTopic(topic, { partitions: 1 })
    await configureShareGroup(client(), groupId)
    const values = Array.from({ length: 40 }, (_, i) => `r${i}`)
    await produceEach(client(), topic, values)
    const members = [0, 1, 2].map(() => client().shareConsumer({ groupId, topics: [topic], maxRecords: 3, acknowledgementMode: 'explicit' }))
    await Promise.all(members.map((m) => m.start()))
    const byMember: string[][] = members.map(() => [])
    const accepted = new Set<string>()
    const closeAll = () => Promise.all(members.map((m) => m.close()))
    await Promise.all(
      members.map(async (m, i) => {
        for await (const batch of m) {
          for (const r of batch.records) {
            byMember[i].push(text(r))
            r.accept()
            accepted.add(text(r))
          }
          await m.commit()
          // Everything accepted: closing ends every member's iteration.
          if (accepted.size === values.length) void closeAll()
          // Slow processing, so the other members get their turn at the partition.
          else await new Promise((r) => setTimeout(r, 100))
        }
      }),
    ).finally(closeAll)
    const all = byMember.flat()
    expect(all.length).toBe(values.length) // nothing twice
    expect(new Set(all)).toEqual(new Set(values))
    expect(byMember.filter((m) => m.length > 0).length).toBeGreaterThanOrEqual(2)
  })

  it('a released record is delivered again with a higher delivery count; a rejected one never again', async () => {
    const topic = uniqueTopic('share-release')
    const groupId = uniqueTopic('sg-release')
    await client().createTopic(topic, { partitions: 1 })
    await configureShareGroup(client(), groupId)
    await produceEach(client(), topic, ['keep', 'again', 'bad'])
    const c = client().shareConsumer({ groupId, topics: [topic], acknowledgementMode: 'explicit' })
    const deliveries: Array<[string, number]> = []
    let sentinelSent = false
    try {
      await readUntil(
        c,
        (seen) => seen.some((r) => text(r) === 'end'),
        async (records) => {
          for (const r of records) {
            deliveries.push([text(r), r.deliveryCount])
            if (text(r) === 'again' && r.deliveryCount === 1) r.release()
            else if (text(r) === 'bad') r.reject()
            else r.accept()
          }
          const results = await c.commit()
          expect(results.every((x) => x.error === null)).toBe(true)
          if (!sentinelSent && deliveries.some(([v]) => v === 'bad')) {
            sentinelSent = true
            await produceEach(client(), topic, ['end'])
          }
        },
      )
    } finally {
      await c.close()
    }
    expect(deliveries.filter(([v]) => v === 'keep')).toEqual([['keep', 1]])
    expect(deliveries.filter(([v]) => v === 'again')).toEqual([['again', 1], ['again', 2]])
    expect(deliveries.filter(([v]) => v === 'bad')).toEqual([['bad', 1]])
  })

  it('the delivery count limit: a record released at every delivery is archived after the limit', async () => {
    const topic = uniqueTopic('share-limit')
    const groupId = uniqueTopic('sg-limit')
    await client().createTopic(topic, { partitions: 1 })
    await configureShareGroup(client(), groupId, { deliveryCountLimit: 2 })
    await produceEach(client(), topic, ['poison'])
    const c = client().shareConsumer({ groupId, topics: [topic], acknowledgementMode: 'explicit' })
    const counts: number[] = []
    try {
      await readUntil(
        c,
        (seen) => seen.some((r) => text(r) === 'end'),
        async (records) => {
          for (const r of records) {
            if (text(r) === 'poison') {
              counts.push(r.deliveryCount)
              r.release()
            } else r.accept()
          }
          await c.commit()
          if (counts.length === 2 && records.some((r) => text(r) === 'poison')) await produceEach(client(), topic, ['end'])
        },
      )
    } finally {
      await c.close()
    }
    expect(counts).toEqual([1, 2])
  })

  it('records a stalled member holds come back to another member after the lock timeout; renewing keeps them', async () => {
    const topic = uniqueTopic('share-lock')
    const groupId = uniqueTopic('sg-lock')
    await client().createTopic(topic, { partitions: 1 })
    const lockMs = await configureShareGroup(client(), groupId, { lockMs: 2_000 })
    await produceBatch(client(), topic, ['held', 'renewed'])
    const stalled = client().shareConsumer({ groupId, topics: [topic], acknowledgementMode: 'explicit' })
    const other = client().shareConsumer({ groupId, topics: [topic], acknowledgementMode: 'explicit' })
    try {
      const first = await readUntil(stalled, (seen) => seen.length >= 2)
      expect(first.map(text)).toEqual(['held', 'renewed'])
      expect(stalled.acquisitionLockTimeoutMs).toBe(lockMs)
      const renewed = first[1]
      // Renew one record every half lock while the other's lock runs out.
      const started = Date.now()
      while (Date.now() - started < lockMs * 1.5) {
        renewed.renew()
        const results = await stalled.commit()
        expect(results).toEqual([{ topic, partition: 0, offsets: [1n], error: null }])
        await new Promise((r) => setTimeout(r, lockMs / 2))
      }
      const again = await readUntil(other, (seen) => seen.length >= 1)
      expect(again.map((r) => [text(r), r.deliveryCount])).toEqual([['held', 2]])
      // The renewed record is still this member's: accepting it succeeds.
      renewed.accept()
      expect(await stalled.commit()).toEqual([{ topic, partition: 0, offsets: [1n], error: null }])
      // The expired one now belongs to the other member: acknowledging it fails with INVALID_RECORD_STATE.
      first[0].accept()
      const [late] = await stalled.commit()
      expect(late.error).toMatchObject({ name: 'KafkaProtocolError', code: 121 })
      again[0].accept()
      expect(await other.commit()).toEqual([{ topic, partition: 0, offsets: [0n], error: null }])
    } finally {
      await Promise.all([stalled.close(), other.close()])
    }
  })

  it('records of a member whose connections drop come back to the others; close() releases what was not acknowledged', async () => {
    const topic = uniqueTopic('share-kill')
    const groupId = uniqueTopic('sg-kill')
    await client().createTopic(topic, { partitions: 1 })
    await configureShareGroup(client(), groupId, { lockMs: 2_000 })
    await produceBatch(client(), topic, ['lost-1', 'lost-2'])
    const proxy = await startTcpProxy(parseBrokerAddress(bootstrap()))
    const doomed = await Client.connect({
      brokers: [proxy.address],
      resolveBroker: () => ({ host: proxy.host, port: proxy.port }),
      retry: { retries: 1, initialBackoffMs: 50, maxBackoffMs: 100 },
      closeTimeoutMs: 500,
    })
    const survivor = client().shareConsumer({ groupId, topics: [topic], acknowledgementMode: 'explicit' })
    try {
      const member = doomed.shareConsumer({ groupId, topics: [topic], acknowledgementMode: 'explicit' })
      const held = await readUntil(member, (seen) => seen.length >= 2)
      expect(held.map(text)).toEqual(['lost-1', 'lost-2'])
      // The member vanishes: every connection cut, no acknowledgement, no goodbye.
      await proxy.close()
      const back = await readUntil(survivor, (seen) => seen.length >= 2, (records) => records.forEach((r) => r.accept()))
      expect(back.map((r) => [text(r), r.deliveryCount])).toEqual([['lost-1', 2], ['lost-2', 2]])
      await survivor.commit()
      await survivor.close()

      // A member that closes without acknowledging hands its records back at once.
      await produceEach(client(), topic, ['closed'])
      const quitter = client().shareConsumer({ groupId, topics: [topic], acknowledgementMode: 'explicit' })
      const got = await readUntil(quitter, (seen) => seen.length >= 1)
      expect(got.map(text)).toEqual(['closed'])
      await quitter.close()
      const heir = client().shareConsumer({ groupId, topics: [topic] })
      const [inherited] = await readUntil(heir, (seen) => seen.length >= 1)
      expect([text(inherited), inherited.deliveryCount]).toEqual(['closed', 2])
      await heir.commit()
      await heir.close()
    } finally {
      await survivor.close()
      await doomed.close()
    }
  })

  it('implicit mode accepts a batch when the next is asked for and refuses one-by-one acknowledgements; explicit mode refuses to move on with records unacknowledged', async () => {
    const topic = uniqueTopic('share-modes')
    const groupId = uniqueTopic('sg-modes')
    await client().createTopic(topic, { partitions: 1 })
    await configureShareGroup(client(), groupId)
    await produceEach(client(), topic, ['one'])
    const acked: Array<{ offsets: bigint[]; error: unknown }> = []
    const implicit = client().shareConsumer({ groupId, topics: [topic], onAcknowledgementCommit: (rs) => acked.push(...rs) })
    let sentinelSent = false
    const seen = await readUntil(
      implicit,
      (s) => s.some((r) => text(r) === 'two'),
      async (records) => {
        expect(() => records[0].accept()).toThrow(ShareAcknowledgementError)
        if (!sentinelSent) {
          sentinelSent = true
          await produceEach(client(), topic, ['two'])
        }
      },
    )
    // 'one' was accepted with the fetch that brought 'two'; nothing was delivered twice.
    expect(seen.map(text)).toEqual(['one', 'two'])
    expect(acked).toContainEqual({ topic, partition: 0, offsets: [0n], error: null })
    await implicit.close()

    const explicit = client().shareConsumer({ groupId, topics: [topic], acknowledgementMode: 'explicit' })
    const it = explicit[Symbol.asyncIterator]()
    const first = await it.next()
    // Not accepted by close(): released, so delivered again.
    expect(first.value?.records.map((x) => [text(x), x.deliveryCount])).toEqual([['two', 2]])
    await produceEach(client(), topic, ['three'])
    await expect(explicit.next()).rejects.toBeInstanceOf(ShareAcknowledgementError)
    const r = first.value!.records[0]
    r.accept()
    expect(() => r.reject()).toThrow(ShareAcknowledgementError)
    const second = await explicit.next()
    expect(second?.records.map(text)).toEqual(['three'])
    expect(() => r.accept()).toThrow(ShareAcknowledgementError) // a record of an earlier batch
    second!.records[0].accept()
    await explicit.commit()
    await explicit.close()
  })
})

describe.runIf(!shareGroupsExpected())('share consumer on a broker without share groups', () => {
  it('start() and iterating fail with UnsupportedVersionError; so do the admin calls', async () => {
    const topic = uniqueTopic('share-none')
    await client().createTopic(topic, { partitions: 1 })
    const c = client().shareConsumer({ groupId: uniqueTopic('sg-none'), topics: [topic] })
    await expect(c.start()).rejects.toBeInstanceOf(UnsupportedVersionError)
    await expect(c.next()).rejects.toBeInstanceOf(UnsupportedVersionError)
    await c.close()
    await expect(client().admin().describeShareGroups(['g'])).rejects.toBeInstanceOf(UnsupportedVersionError)
  })
})
