// KStream's async operators under exactly_once_v2 with SIGKILL: two instances of the app
// (fixtures/async-eos-app.ts) run as child processes with async stages of random latency and are
// killed at random points, then restarted, while the input is processed. Whatever was in flight
// or in an open transaction at a kill is lost with it and processed again from the last commit:
// the output read with read_committed holds every input exactly once, each key's records in
// input order, and the per-key counts kept in a store by an async processor count 1, 2, 3, ...
// with no gap or repeat.
import { spawn, type ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client } from '../../src/index.js'
import { bootstrap, uniqueTopic } from './helpers.js'
import { readTopic, tempStateDir, waitFor } from './streams-helpers.js'

const here = dirname(fileURLToPath(import.meta.url))
let client: Client
beforeAll(async () => {
  client = await Client.connect({ brokers: [bootstrap()] })
})
afterAll(async () => {
  await client?.close()
})

const KEYS = 50
const PER_KEY = 120
const N = KEYS * PER_KEY

interface Instance {
  stateDir: string
  child: ChildProcess | null
  killed: number
}

describe('KStream async operators under exactly_once_v2 and SIGKILL', () => {
  it('output exactly once, in per-key order, store counts without gaps or repeats', async () => {
    const input = uniqueTopic('async-crash-in')
    const output = uniqueTopic('async-crash-out')
    const counts = uniqueTopic('async-crash-counts')
    for (const t of [input, output, counts]) await client.createTopic(t, { partitions: 4 })
    const config = { bootstrap: bootstrap(), applicationId: uniqueTopic('async-crash-app'), input, output, counts, commitIntervalMs: 200 }
    const instances: Instance[] = [0, 1].map(() => ({ stateDir: tempStateDir(), child: null, killed: 0 }))
    let stderr = ''
    const start = (inst: Instance): void => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'async-eos-app.ts')], {
        env: { ...process.env, ASYNC_EOS_APP: JSON.stringify({ ...config, stateDir: inst.stateDir }) },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      child.stdout!.resume()
      child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
      inst.child = child
    }
    const kill = async (inst: Instance): Promise<void> => {
      const c = inst.child
      if (c === null || c.exitCode !== null || c.signalCode !== null) return
      const exited = new Promise<void>((r) => c.once('exit', () => r()))
      c.kill('SIGKILL')
      await exited
      inst.killed++
    }
    const committed = async (topic: string): Promise<number> => (await readTopic(client, topic, 'read_committed')).length
    try {
      // The input in slices, so that kills land while records arrive and while they are in flight.
      const producer = client.producer({ lingerMs: 2 })
      const slice = async (from: number, to: number): Promise<void> => {
        const recs = []
        for (let i = from; i < to; i++) recs.push({ topic: input, key: Buffer.from(`k${i % KEYS}`), value: Buffer.from(String(Math.floor(i / KEYS))) })
        await producer.sendBatch(recs)
      }
      for (const inst of instances) start(inst)
      const slices = 6
      for (let s = 0; s < slices; s++) {
        await slice((s * N) / slices, ((s + 1) * N) / slices)
        // Let the instances take it in, then kill one at a random point and bring it back.
        await new Promise((r) => setTimeout(r, 1000 + Math.floor(Math.random() * 2000)))
        const victim = instances[s % 2]
        await kill(victim)
        start(victim)
      }
      await producer.close()
      await waitFor('all output committed', async () => (await committed(output)) >= N && (await committed(counts)) >= N, 90_000, 250)
    } finally {
      for (const inst of instances) {
        const c = inst.child
        if (c !== null && c.exitCode === null && c.signalCode === null) {
          const exited = new Promise<void>((r) => c.once('exit', () => r()))
          c.kill('SIGTERM')
          const t = setTimeout(() => c.kill('SIGKILL'), 20_000)
          await exited
          clearTimeout(t)
        }
        rmSync(inst.stateDir, { recursive: true, force: true })
      }
    }
    const seqs = new Map<string, number[]>()
    const outRecords = await readTopic(client, output, 'read_committed')
    for (const r of outRecords) {
      const key = r.key!.toString()
      const [k, seq] = r.value!.toString().split(':')
      expect(k).toBe(key)
      seqs.set(key, [...(seqs.get(key) ?? []), Number(seq)])
    }
    const countRecords = await readTopic(client, counts, 'read_committed')
    const countSeqs = new Map<string, string[]>()
    for (const r of countRecords) countSeqs.set(r.key!.toString(), [...(countSeqs.get(r.key!.toString()) ?? []), r.value!.toString()])
    expect(outRecords.length, stderr).toBe(N)
    expect(countRecords.length).toBe(N)
    for (let k = 0; k < KEYS; k++) {
      expect(seqs.get(`k${k}`)).toEqual(Array.from({ length: PER_KEY }, (_, i) => i))
      // Record i of the key is its (i + 1)th: the store's count survived every kill exactly.
      expect(countSeqs.get(`k${k}`)).toEqual(Array.from({ length: PER_KEY }, (_, i) => `${i}:${i + 1}`))
    }
    expect(instances.reduce((n, i) => n + i.killed, 0)).toBe(6)
  }, 180_000)
})
