// The async stage's bookkeeping as the runtime uses it: the record and byte caps (full / whenSpace,
// the backpressure on input) and the commit wait (whenIdle), which fails when records are
// abandoned while it waits (a commit must not pass them); the resume mark for paused input
// (roomToResume), the one shared timeout timer and the AbortController made only when read.
import { afterEach, describe, expect, it } from 'vitest'
import { AsyncAbandonedError, AsyncTimeoutError } from '../../../src/streams/errors.js'
import type { ProcessorContext } from '../../../src/streams/processor.js'
import type { Record } from '../../../src/streams/record.js'
import { AsyncStage, AsyncWork, resolveAsyncOptions, type AsyncTaskHost, type AsyncOptions, type AsyncWorkFn } from '../../../src/streams/runtime/async-stage.js'

/** A stage whose calls resolve when the test says so, on a fake task. */
function stageWith(options: AsyncOptions, bytesPerRecord = 10) {
  const work = new AsyncWork()
  const forwarded: Array<Record<unknown, unknown>> = []
  const pending: Array<() => void> = []
  const host: AsyncTaskHost = {
    taskId: '0_0',
    asyncWork: () => work,
    holdRecordContext: () => ({ metadata: null, headers: [], timestamp: 0, rawKey: null, rawValue: null, bytes: bytesPerRecord }),
    inHeldContext: (_ctx, fn) => fn(),
    asyncRecordFailed: (err) => {
      throw err
    },
  }
  const context = { asyncHost: () => host, forward: (r: Record<unknown, unknown>) => forwarded.push(r) } as unknown as ProcessorContext<unknown, unknown>
  const stage = new AsyncStage(
    'stage',
    async (r, call) => {
      await new Promise<void>((resolve) => pending.push(resolve))
      call.emit(r)
    },
    resolveAsyncOptions('test', options),
  )
  stage.init(context)
  const put = (key: string): void => stage.process({ key, value: key, timestamp: 0, headers: [] })
  const settleOne = async (): Promise<void> => {
    pending.shift()?.()
    await new Promise<void>((r) => setImmediate(r))
  }
  return { work, stage, forwarded, pending, put, settleOne }
}

describe('async stage bookkeeping', () => {
  it('is full at maxBufferedRecords held (waiting ones count), with room again once a result is forwarded', async () => {
    const s = stageWith({ concurrency: 2, maxBufferedRecords: 3 })
    s.put('a')
    s.put('b')
    s.put('c') // waits for a slot
    expect(s.pending).toHaveLength(2)
    expect(s.work.held).toBe(3)
    expect(s.work.full()).toBe(true)
    let room = false
    const space = s.work.whenSpace().then(() => (room = true))
    await new Promise<void>((r) => setImmediate(r))
    expect(room).toBe(false)
    await s.settleOne()
    await space
    expect(s.work.full()).toBe(false)
    expect(s.forwarded.map((r) => r.key)).toEqual(['a'])
    expect(s.pending).toHaveLength(2) // c started in a's slot
  })

  it('is full at maxBufferedBytes of consumed key and value bytes', () => {
    const s = stageWith({ concurrency: 8, maxBufferedBytes: 25 }, 10)
    s.put('a')
    s.put('b')
    expect(s.work.full()).toBe(false)
    s.put('c')
    expect(s.work.full()).toBe(true)
  })

  it('whenIdle resolves once every result is forwarded, and rejects when records are abandoned meanwhile', async () => {
    const s = stageWith({ concurrency: 4 })
    s.put('a')
    s.put('b')
    const idle = s.work.whenIdle()
    await s.settleOne()
    await s.settleOne()
    await idle
    expect(s.forwarded).toHaveLength(2)

    s.put('c')
    const waiting = s.work.whenIdle()
    s.work.abandon('closing')
    await expect(waiting).rejects.toBeInstanceOf(AsyncAbandonedError)
    expect(s.work.held).toBe(0)
    await s.settleOne() // the abandoned call's late result is dropped
    expect(s.forwarded).toHaveLength(2)
  })

  it('roomToResume only at half the caps, so a paused partition is not resumed for one free slot', async () => {
    const s = stageWith({ concurrency: 4, maxBufferedRecords: 4 })
    for (const k of ['a', 'b', 'c', 'd']) s.put(k)
    expect(s.work.full()).toBe(true)
    expect(s.work.roomToResume()).toBe(false)
    let resumable = false
    const resume = s.work.whenRoomToResume().then(() => (resumable = true))
    await s.settleOne()
    expect(s.work.full()).toBe(false) // room for a record...
    expect(s.work.roomToResume()).toBe(false) // ...but 3 held is above half of 4
    await new Promise<void>((r) => setImmediate(r))
    expect(resumable).toBe(false)
    await s.settleOne()
    await resume
    expect(s.work.held).toBe(2)
    expect(s.work.roomToResume()).toBe(true)
  })
})

describe('async stage calls', () => {
  const RealAbortController = globalThis.AbortController
  let controllers = 0
  afterEach(() => {
    globalThis.AbortController = RealAbortController
  })
  /** Counts AbortControllers made from now on. */
  const countControllers = (): void => {
    controllers = 0
    globalThis.AbortController = class extends RealAbortController {
      constructor() {
        super()
        controllers++
      }
    }
  }

  /** A stage running `fn`, whose failed records are collected instead of failing the task. */
  function stageRunning(fn: AsyncWorkFn, options: AsyncOptions) {
    const work = new AsyncWork()
    const forwarded: unknown[] = []
    const failed: unknown[] = []
    const host: AsyncTaskHost = {
      taskId: '0_0',
      asyncWork: () => work,
      holdRecordContext: () => ({ metadata: null, headers: [], timestamp: 0, rawKey: null, rawValue: null, bytes: 1 }),
      inHeldContext: (_ctx, f) => f(),
      asyncRecordFailed: (err) => void failed.push(err),
    }
    const stage = new AsyncStage('stage', fn, resolveAsyncOptions('test', options))
    stage.init({ asyncHost: () => host, forward: (r: Record<unknown, unknown>) => forwarded.push(r.key) } as unknown as ProcessorContext<unknown, unknown>)
    const put = (key: string): void => stage.process({ key, value: key, timestamp: 0, headers: [] })
    return { work, forwarded, failed, put }
  }

  it('makes an AbortController only for work that reads its signal; one read after a timeout is already aborted', async () => {
    countControllers()
    const quiet = stageRunning(async (r, call) => call.emit(r), { concurrency: 4, timeoutMs: 10_000 })
    for (const k of ['a', 'b', 'c']) quiet.put(k)
    await quiet.work.whenIdle()
    expect(quiet.forwarded).toEqual(['a', 'b', 'c'])
    expect(controllers).toBe(0)

    let late: AbortSignal | undefined
    const slow = stageRunning(
      async (_r, call) => {
        await new Promise<void>((r) => setTimeout(r, 60))
        late = call.signal // read only after the timeout fired
      },
      { concurrency: 1, timeoutMs: 5 },
    )
    slow.put('x')
    await slow.work.whenIdle()
    expect(slow.failed[0]).toBeInstanceOf(AsyncTimeoutError)
    await new Promise<void>((r) => setTimeout(r, 80))
    expect(late?.aborted).toBe(true)
    expect(late?.reason).toBe(slow.failed[0])
    expect(controllers).toBe(1)
  })

  it('one timer times out each hanging call at its own deadline, and not the calls that settled', async () => {
    const release: Array<() => void> = []
    const s = stageRunning(
      async (r, call) => {
        if (r.key === 'hang1' || r.key === 'hang2') await new Promise<never>(() => undefined)
        await new Promise<void>((res) => release.push(res))
        call.emit(r)
      },
      { concurrency: 8, timeoutMs: 30, keyed: false },
    )
    s.put('hang1')
    s.put('ok1')
    await new Promise<void>((r) => setTimeout(r, 15))
    s.put('hang2') // starts later: its deadline is later
    s.put('ok2')
    release.shift()?.()
    release.shift()?.()
    // Settles once the timer, re-armed for hang2's later deadline after hang1's, timed out both.
    await s.work.whenIdle()
    expect(s.forwarded.sort()).toEqual(['ok1', 'ok2'])
    expect(s.failed).toHaveLength(2)
    expect(s.failed.every((e) => e instanceof AsyncTimeoutError)).toBe(true)
    expect(s.work.held).toBe(0)
  })
})
