// Vitest globalSetup for the unit project: fetches the Kafka jars whose kafka-clients jar holds
// the JSON message specs (test/unit/protocol/messages/kafka-specs.ts) once, before the workers
// start, so a fresh clone runs one Maven download instead of one per test file.
import { DEFAULT_KAFKA_VERSION, ensureKafkaJars } from '../../src/dev/index.js'

export default async function setup(): Promise<void> {
  const env = process.env.PERIDOT_KAFKA_VERSION ?? ''
  const version = /^\d+\.\d+\.\d+$/.test(env) ? env : DEFAULT_KAFKA_VERSION
  await ensureKafkaJars(version, { onProgress: (line) => console.log(`[kafka specs] ${line}`) })
}
