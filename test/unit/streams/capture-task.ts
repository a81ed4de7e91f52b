// Test helper: a StreamTask run without the driver (it commits only when the test flushes it),
// whose sends (outputs and changelog records) are captured as bytes.
import { StreamTask, type Topology } from '../../../src/streams/index.js'
import type { TaskConfig } from '../../../src/streams/runtime/task.js'

/** One record a task sent. */
export interface SentRecord {
  topic: string
  key: Buffer | null
  value: Buffer | null
  timestamp: number
}

const bytes = (x: Buffer | string | null): Buffer | null => (typeof x === 'string' ? Buffer.from(x) : x)

/** The task of subtopology 0, partition 0 of `topology`; every record it sends is pushed to `sent`. */
export function captureTask(topology: Topology, sent: SentRecord[], config: Partial<TaskConfig> = {}): StreamTask {
  const collector = {
    send: (topic: string, key: Buffer | string | null, value: Buffer | string | null, _headers: unknown, timestamp: number) => {
      sent.push({ topic, key: bytes(key), value: bytes(value), timestamp })
    },
  }
  return new StreamTask({ topology, subtopology: 0, partition: 0, config: { applicationId: 'app', ...config }, collector })
}
