import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { Serdes, StreamsBuilder, TopologyTestDriver, type Serde } from '../../../src/streams/index.js'
import { TimeWindows } from '../../../src/streams/dsl/windows.js'
import { NoQueryHostError, QueryRequestError, QueryTimeoutError, UnknownStoreError } from '../../../src/streams/runtime/query-errors.js'
import { decodeAnswer, decodeBytes, decodeRequest, encodeAnswer, encodeBytes, encodeRequest, type QueryRequest } from '../../../src/streams/runtime/query-protocol.js'
import { QueryServer, type LocalQuerySource } from '../../../src/streams/runtime/query-server.js'
import { postQuery, RemoteQueries } from '../../../src/streams/runtime/query-client.js'
import type { StreamsState } from '../../../src/streams/runtime/streams-options.js'
import type { HostMap } from '../../../src/streams/runtime/streams-assignor.js'

const s = Serdes.string()

describe('remote query wire format', () => {
  it('carries compact JSON text as JSON, other printable UTF-8 as text, the rest as base64, and decodes each to the same bytes', () => {
    const cases: Array<[Buffer, 'json' | 'text' | 'base64']> = [
      [Buffer.from('{"a":1,"b":[true,null]}'), 'json'],
      [Buffer.from('"hi"'), 'json'],
      [Buffer.from('42'), 'json'],
      [Buffer.from('hello wörld'), 'text'], // a string serde's bytes: not JSON
      [Buffer.from('1.0'), 'text'], // JSON, but JSON.stringify gives "1": not the same bytes
      [Buffer.from('{ "a": 1 }'), 'text'], // not compact
      [Buffer.from('line\nbreak'), 'base64'], // control character
      [Buffer.from([0x68, 0xc3]), 'base64'], // truncated UTF-8
      [Buffer.from([0, 0, 0, 0, 0, 0, 0, 7]), 'base64'], // an int64
      [Buffer.alloc(0), 'base64'],
    ]
    for (const [bytes, kind] of cases) {
      const wire = encodeBytes(bytes)
      expect(Object.keys(wire), bytes.toString('hex')).toEqual([kind])
      expect(decodeBytes(JSON.parse(JSON.stringify(wire)), 'key').equals(bytes), bytes.toString('hex')).toBe(true)
    }
    expect(encodeBytes(Buffer.from('{"n":1}'))).toEqual({ json: { n: 1 } })
    expect(encodeBytes(Buffer.from('kafka'))).toEqual({ text: 'kafka' })
    for (let i = 0; i < 200; i++) {
      const bytes = Buffer.from(Array.from({ length: i % 17 }, () => Math.floor(Math.random() * 256)))
      expect(decodeBytes(JSON.parse(JSON.stringify(encodeBytes(bytes))), 'key').equals(bytes)).toBe(true)
    }
  })

  it('round-trips every request and answer kind', () => {
    const requests: QueryRequest[] = [
      { op: 'get', store: 'counts', key: Buffer.from('k'), stale: false },
      { op: 'range', store: 'counts', from: Buffer.from('a'), to: null, partitions: [0, 2], stale: true },
      { op: 'range', store: 'counts', from: null, to: null, partitions: undefined, stale: false },
      { op: 'windowFetch', store: 'w', key: Buffer.from('"k"'), timeFrom: -5, timeTo: 1_700_000_000_000, stale: false },
    ]
    for (const r of requests) expect(decodeRequest(encodeRequest(r))).toEqual(r)
    const get = { op: 'get' as const, value: Buffer.from([1, 2]) }
    expect(decodeAnswer('get', encodeAnswer(get))).toEqual(get)
    expect(decodeAnswer('get', encodeAnswer({ op: 'get', value: null }))).toEqual({ op: 'get', value: null })
    const range = { op: 'range' as const, entries: [{ key: Buffer.from('a'), value: Buffer.from('1') }] }
    expect(decodeAnswer('range', encodeAnswer(range))).toEqual(range)
    const win = { op: 'windowFetch' as const, windows: [{ start: 10, value: Buffer.from('x') }] }
    expect(decodeAnswer('windowFetch', encodeAnswer(win))).toEqual(win)
    expect(() => decodeAnswer('range', encodeAnswer(get))).toThrow(QueryRequestError)
  })

  it('names the bad field of a malformed request', () => {
    const bad: Array<[string, RegExp]> = [
      ['not json', /not JSON/],
      ['[1]', /JSON object/],
      ['{"op":"get"}', /store must be/],
      ['{"op":"get","store":"s","key":"plain"}', /key must be/],
      ['{"op":"get","store":"s","key":{"text":5}}', /key must be/],
      ['{"op":"drop","store":"s"}', /op must be/],
      ['{"op":"get","store":"s","key":{"base64":""},"stale":"yes"}', /stale must be/],
      ['{"op":"windowFetch","store":"s","key":{"base64":""},"timeFrom":1.5,"timeTo":2}', /timeFrom and timeTo/],
      ['{"op":"range","store":"s","partitions":[-1]}', /partitions must be/],
    ]
    for (const [text, message] of bad) expect(() => decodeRequest(text), text).toThrow(message)
    expect(() => decodeRequest('{}')).toThrow(QueryRequestError)
  })
})

/** A driver-backed source: the driver's single task plays task `<sub>_0` of a one-partition application. */
function driverSource(roles: { role: 'running' | 'restoring' | 'standby' | 'absent'; state?: StreamsState }) {
  const b = new StreamsBuilder()
  const input = b.stream('in', { key: s, value: s })
  input.groupByKey().count({ name: 'counts', key: s, value: Serdes.int64() })
  input.groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(10, 1000)).count({ name: 'windows', key: s, value: Serdes.int64() })
  const topology = b.build()
  const driver = new TopologyTestDriver(topology, { applicationId: 'rq' })
  const source: LocalQuerySource = {
    applicationId: 'rq',
    topology,
    serdes: () => ({ keySerde: s as Serde<unknown>, valueSerde: Serdes.int64() as Serde<unknown> }),
    state: () => roles.state ?? 'RUNNING',
    tasksPerSubtopology: () => new Map(topology.subtopologies().map((st) => [st.id, 1])),
    taskStore: (taskId, name) => {
      if (roles.role === 'absent' || !taskId.endsWith('_0')) return undefined
      const store = name === 'windows' ? (driver.getTimestampedWindowStore(name) as never) : (driver.getKeyValueStore(name) as never)
      return { store, role: roles.role }
    },
    globalStore: () => undefined,
  }
  const pipe = driver.createInputTopic('in', s, s)
  for (const [k, t] of [['a', 1], ['b', 2], ['a', 3], ['c', 12], ['a', 15]] as const) pipe.pipeInput(k, 'x', t)
  return { source, driver }
}

describe('query server and client', () => {
  const open: Array<{ close(): unknown }> = []
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close()
  })
  const serve = async (roles: { role: 'running' | 'restoring' | 'standby' | 'absent'; state?: StreamsState }): Promise<string> => {
    const { source, driver } = driverSource(roles)
    const server = await QueryServer.listen(source, { port: 0, host: '127.0.0.1' })
    open.push(server, driver)
    return `127.0.0.1:${server.port}`
  }
  const int64 = Serdes.int64()
  const key = (k: string): Buffer => s.serialize('t', k) as Buffer

  it('answers key lookups, ranges and window fetches over HTTP with the stores bytes', async () => {
    const host = await serve({ role: 'running' })
    const get = await postQuery(host, { op: 'get', store: 'counts', key: key('a'), stale: false }, 2000)
    expect(get.op === 'get' && get.value !== null && int64.deserialize('t', get.value)).toBe(3)
    expect(await postQuery(host, { op: 'get', store: 'counts', key: key('zz'), stale: false }, 2000)).toEqual({ op: 'get', value: null })
    const range = await postQuery(host, { op: 'range', store: 'counts', from: key('a'), to: key('b'), partitions: undefined, stale: false }, 2000)
    expect(range.op === 'range' && range.entries.map((e) => [e.key.toString(), int64.deserialize('t', e.value)])).toEqual([['a', 3], ['b', 1]])
    const all = await postQuery(host, { op: 'range', store: 'counts', from: null, to: null, partitions: [0], stale: false }, 2000)
    expect(all.op === 'range' && all.entries.map((e) => e.key.toString())).toEqual(['a', 'b', 'c'])
    // The timestamped window store's values arrive without their timestamps.
    const win = await postQuery(host, { op: 'windowFetch', store: 'windows', key: key('a'), timeFrom: 0, timeTo: 100, stale: false }, 2000)
    expect(win.op === 'windowFetch' && win.windows.map((w) => [w.start, int64.deserialize('t', w.value)])).toEqual([[0, 2], [10, 1]])
  })

  it('refuses with typed errors: unknown store, wrong store type, not hosted, restoring, standby without stale', async () => {
    const host = await serve({ role: 'running' })
    await expect(postQuery(host, { op: 'get', store: 'nope', key: key('a'), stale: false }, 2000)).rejects.toThrow(UnknownStoreError)
    await expect(postQuery(host, { op: 'get', store: 'windows', key: key('a'), stale: false }, 2000)).rejects.toThrow(QueryRequestError)
    const absent = await serve({ role: 'absent' })
    await expect(postQuery(absent, { op: 'get', store: 'counts', key: key('a'), stale: false }, 2000)).rejects.toThrow(/not-hosted/)
    const moving = await serve({ role: 'absent', state: 'REBALANCING' })
    await expect(postQuery(moving, { op: 'get', store: 'counts', key: key('a'), stale: false }, 2000)).rejects.toThrow(/rebalancing/)
    const restoring = await serve({ role: 'restoring' })
    await expect(postQuery(restoring, { op: 'get', store: 'counts', key: key('a'), stale: false }, 2000)).rejects.toThrow(/rebalancing/)
    const standby = await serve({ role: 'standby' })
    await expect(postQuery(standby, { op: 'get', store: 'counts', key: key('a'), stale: false }, 2000)).rejects.toThrow(/not-hosted/)
    const stale = await postQuery(standby, { op: 'get', store: 'counts', key: key('a'), stale: true }, 2000)
    expect(stale.op === 'get' && stale.value !== null && int64.deserialize('t', stale.value)).toBe(3)
    // Plain HTTP misuse gets a JSON 400.
    const res = await fetch(`http://${host}/v1/other`)
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: 'bad-request' })
  })

  /** A client on instance `self:1` (running task 0_0, or no task) that sees `hosts` as the assignment. */
  const client = (hosts: HostMap, role: 'running' | 'absent' = 'absent'): RemoteQueries => {
    const { source, driver } = driverSource({ role })
    open.push(driver)
    return new RemoteQueries({ applicationId: 'rq', source, self: 'self:1', hosts: () => hosts, serdes: () => ({ keySerde: s, valueSerde: int64 }) })
  }
  const downHost = async (): Promise<string> => {
    const srv = createServer()
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    const port = (srv.address() as AddressInfo).port
    await new Promise<void>((r) => srv.close(() => r()))
    return `127.0.0.1:${port}`
  }

  it('forwards to the active host, and to a standby (flagged stale) when the active one is down', async () => {
    const active = await serve({ role: 'running' })
    const standby = await serve({ role: 'standby' })
    const up = client({ [active]: { active: ['0_0'], standby: [] }, [standby]: { active: [], standby: ['0_0'] } })
    expect(await up.get<string, number>('counts', 'a')).toEqual({ value: 3, host: active, stale: false })
    expect(await up.range<string, number>('counts', null, null)).toEqual({
      value: [{ key: 'a', value: 3 }, { key: 'b', value: 1 }, { key: 'c', value: 1 }],
      host: active,
      stale: false,
    })
    expect(await up.windowFetch<string, number>('windows', 'a', 0, 9)).toEqual({ value: [{ key: 0, value: 2 }], host: active, stale: false })
    const dead = await downHost()
    const failover = client({ [dead]: { active: ['0_0'], standby: [] }, [standby]: { active: [], standby: ['0_0'] } })
    expect(await failover.get<string, number>('counts', 'a')).toEqual({ value: 3, host: standby, stale: true })
    expect((await failover.range<string, number>('counts', 'b', null)).stale).toBe(true)
    await expect(failover.get('counts', 'a', { allowStale: false })).rejects.toThrow(NoQueryHostError)
    await expect(client({}).get('counts', 'a')).rejects.toThrow(/no instance hosts/)
    await expect(up.get('nope', 'a')).rejects.toThrow(UnknownStoreError)
  })

  it('answers in-process when this instance runs the key task (no query server needed)', async () => {
    const local = client({ 'self:1': { active: ['0_0'], standby: [] } }, 'running')
    expect(await local.get<string, number>('counts', 'a')).toEqual({ value: 3, host: 'self:1', stale: false })
    expect((await local.range<string, number>('counts', 'b', 'c')).value).toEqual([{ key: 'b', value: 1 }, { key: 'c', value: 1 }])
    // Serdes given per query win over the context's.
    expect((await local.get('counts', 'a', { valueSerde: Serdes.bytes() })).value).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 3]))
    await expect(local.get('counts', 'a', { timeoutMs: 0 })).rejects.toThrow(/timeoutMs must be/)
  })

  it('answers a global store from this instance, whatever the assignment', async () => {
    const b = new StreamsBuilder()
    b.globalTable('products', { key: s, value: s }, 'products-store')
    const topology = b.build()
    const driver = new TopologyTestDriver(topology, { applicationId: 'rq-g' })
    open.push(driver)
    driver.createInputTopic('products', s, s).pipeInput('p1', 'lamp')
    const source: LocalQuerySource = {
      applicationId: 'rq-g',
      topology,
      serdes: () => ({ keySerde: s as Serde<unknown>, valueSerde: s as Serde<unknown> }),
      state: () => 'RUNNING',
      tasksPerSubtopology: () => new Map(),
      taskStore: () => undefined,
      globalStore: (name) => (name === 'products-store' ? (driver.getKeyValueStore(name) as never) : undefined),
    }
    const q = new RemoteQueries({ applicationId: 'rq-g', source, self: 'self:1', hosts: () => ({}), serdes: () => ({ keySerde: s, valueSerde: s }) })
    expect(await q.get('products-store', 'p1')).toEqual({ value: 'lamp', host: 'self:1', stale: false })
    expect((await q.range('products-store', null, null)).value).toEqual([{ key: 'p1', value: 'lamp' }])
  })

  it('gives up on a host that does not answer within timeoutMs', async () => {
    const silent: Server = createServer(() => undefined)
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    open.push({ close: () => new Promise<void>((r) => { silent.closeAllConnections(); silent.close(() => r()) }) })
    const host = `127.0.0.1:${(silent.address() as AddressInfo).port}`
    await expect(client({ [host]: { active: ['0_0'], standby: [] } }).get('counts', 'a', { timeoutMs: 50 })).rejects.toThrow(QueryTimeoutError)
  })
})
