// The async stage's bookkeeping as the runtime uses it: the record and byte caps (full / whenSpace,
// the backpressure on input) and the commit wait (whenIdle), which fails when records are
// abandoned while it waits (a commit must not pass them).
import { describe, expect, it } from 'vitest'
import { AsyncAbandonedError } from '../../../src/streams/errors.js'
import type { ProcessorContext } from '../../../src/streams/processor.js'
import type { Record } from '../../../src/streams/record.js'
import { AsyncStage, AsyncWork, resolveAsyncOptions, type AsyncTaskHost, type AsyncOptions } from '../../../src/streams/runtime/async-stage.js'

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
    async (r, _call, emit) => {
      await new Promise<void>((resolve) => pending.push(resolve))
      emit(r)
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
})
