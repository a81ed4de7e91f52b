/**
 * Backpressure of async stages on the fetch: an input partition whose task's async stage is
 * full is paused at the first record not processed (the consumer is moved back there, so the
 * rest of its fetched batch is read again later), and resumed once the stage is down to half its
 * caps (resuming at the first free slot would re-fetch a whole batch for a record or two). Other
 * partitions' tasks go on meanwhile. (A task reading several partitions in timestamp order
 * waits for room before each batch instead; see StreamThread's loop.)
 */
import type { TopicPartition } from '../../client/consumer/assignor.js'
import type { GroupConsumer } from '../../client/consumer/group-consumer.js'
import type { ActiveTask, TaskManager } from './task-manager.js'

interface Paused {
  readonly tp: TopicPartition
  readonly at: ActiveTask
}

/** Partitions paused for a full async stage. @internal */
export class AsyncPauses {
  readonly #paused = new Map<string, Paused>()
  /** Called when a paused partition's stage gets room (the processing loop stops waiting). */
  onRoom: (() => void) | undefined

  /**
   * Pauses `topic`-`partition` of `at` with its position moved back to `offset`. `soughtTo`
   * notes the position so that a batch fetched before the move is recognized as stale.
   */
  pause(consumer: GroupConsumer, at: ActiveTask, topic: string, partition: number, offset: bigint, soughtTo: Map<string, bigint>): void {
    const key = `${topic}\u0000${partition}`
    consumer.seek(topic, partition, offset)
    soughtTo.set(key, offset)
    const tp = { topic, partition }
    consumer.pause([tp])
    this.#paused.set(key, { tp, at })
    const wake = (): void => this.onRoom?.()
    at.task.asyncWork?.whenRoomToResume().then(wake, wake)
  }

  /** Resumes the paused partitions whose stage has room; forgets those whose task moved on. */
  resumeReady(consumer: GroupConsumer, tasks: TaskManager): void {
    for (const [key, p] of this.#paused) {
      const now = tasks.byPartition(p.tp.topic, p.tp.partition)
      if (now !== p.at) {
        // Reset or moved: a running successor reads on (a restoring one is resumed when it runs).
        this.#paused.delete(key)
        if (now !== undefined && now.state === 'running') consumer.resume([p.tp])
        continue
      }
      if (p.at.state !== 'running' || p.at.task.asyncWork?.roomToResume() === false) continue
      this.#paused.delete(key)
      consumer.resume([p.tp])
    }
  }

  /** Forgets a partition (revoked). */
  drop(topic: string, partition: number): void {
    this.#paused.delete(`${topic}\u0000${partition}`)
  }

  /** Forgets every partition (a new consumer). */
  clear(): void {
    this.#paused.clear()
  }
}
