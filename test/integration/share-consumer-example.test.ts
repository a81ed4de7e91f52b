// examples/share-consumer.ts run as a user runs it: two workers of one share group split the
// jobs, retry the failing one until its third delivery, and stop on Ctrl-C.
import { describe, expect, it } from 'vitest'
import { bootstrap, sharedClient, uniqueTopic } from './helpers.js'
import { startExample } from './run-example.js'
import { shareGroupsExpected } from './share-helpers.js'

const client = sharedClient()

describe.runIf(shareGroupsExpected())('examples/share-consumer.ts', () => {
  it('two workers split the jobs; the failing job is released twice, then rejected; Ctrl-C stops them', async () => {
    const topic = uniqueTopic('ex-jobs')
    const groupId = uniqueTopic('ex-workers')
    await client().createTopic(topic, { partitions: 2 })
    const jobs = Array.from({ length: 20 }, (_, i) => (i === 7 ? 'job-7-fail' : `job-${i}`))
    const producer = client().producer()
    await producer.sendBatch(jobs.map((value, i) => ({ topic, partition: i % 2, value })))
    await producer.close()
    const workers = [0, 1].map(() => startExample('share-consumer.ts', [topic, groupId], { KAFKA_CONNECT: bootstrap() }))
    const lines = () => workers.flatMap((w) => w.output().split('\n')).filter((l) => / \(delivery \d+\): /.test(l))
    try {
      for (;;) {
        const done = new Set(lines().filter((l) => l.endsWith(' done')).map((l) => l.split(': ')[1].replace(/ done$/, '')))
        if (done.size === jobs.length - 1 && lines().some((l) => l.includes('(delivery 3): job-7-fail failed'))) break
        if (workers.some((w) => w.child.exitCode !== null)) throw new Error(`a worker exited: ${workers.map((w) => w.output()).join('\n---\n')}`)
        await new Promise((r) => setTimeout(r, 200))
      }
      for (const w of workers) w.child.kill('SIGINT')
      const exits = await Promise.all(workers.map((w) => w.exited))
      expect(exits).toEqual([{ code: 0, signal: null }, { code: 0, signal: null }])
    } finally {
      for (const w of workers) w.child.kill('SIGKILL')
    }
    const failed = lines().filter((l) => l.includes('job-7-fail'))
    expect(failed.map((l) => /\(delivery (\d)\)/.exec(l)![1])).toEqual(['1', '2', '3'])
    // Each other job done exactly once, by one worker or the other.
    const done = lines().filter((l) => l.endsWith(' done')).map((l) => l.split(': ')[1])
    expect(done.sort()).toEqual(jobs.filter((j) => j !== 'job-7-fail').map((j) => `${j} done`).sort())
  }, 90_000)
})
