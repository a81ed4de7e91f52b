import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

// Files whose subject does not depend on the broker's version: the documentation runs, the CLI's
// argument handling and output, the Schema Registry, the fault proxy's fabricated answers,
// share groups (absent before Kafka 4.1; share-consumer.test.ts keeps the 3.9 refusal case), and
// the in-process stream adapters over the consumer and the runtime. They run against the newest
// Kafka; the Kafka 3.9 run (PERIDOT_KAFKA_VERSION=3.x) covers the protocol, client and runtime
// paths that differ between versions, which keeps the whole suite within CI's time budget.
const NEWEST_KAFKA_ONLY = [
  'examples', 'readme', 'group-consumer-example', 'share-consumer-example', 'cli', 'cli-broker', 'cli-schema-registry',
  'schema-registry', 'schema-registry-interop', 'share-admin', 'share-java', 'faults-admin',
  'faults-consumer', 'faults-group', 'faults-producer', 'faults-proxy', 'faults-redpanda', 'faults-streams', 'faults-txn',
  'consumer-readable', 'streams-import-export', 'streams-remote-query', 'interop', 'java-codecs', 'tracing-java',
  // Its own authorizer broker; ACL and SCRAM APIs have the same versions on 3.9 (passes there too).
  'admin-security',
  // Client-side features whose protocol is the same on 3.9: tracing headers, fetch sessions
  // (through the fault proxy), and the async stages (the crash test covers 3.9's transactions).
  'tracing', 'fetch-session', 'streams-async', 'streams-async-crash',
].map((name) => `test/integration/${name}.test.ts`)
const olderKafka = (process.env.PERIDOT_KAFKA_VERSION ?? '').startsWith('3.')

// Two projects: `unit` needs no broker; `integration` shares one real broker (started by
// test/integration/global-setup.ts unless KAFKA_CONNECT is set), so its files run one at a time.
export default defineConfig({
  // The package's own name means its sources here, as tsconfig.json's "paths" say for tsc and tsx.
  resolve: {
    alias: [
      { find: /^peridot-kafka$/, replacement: src('index.ts') },
      { find: /^peridot-kafka\/(streams|protocol|dev|schema-registry)$/, replacement: src('$1/index.ts') },
    ],
  },
  test: {
    testTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], globalSetup: ['test/unit/global-setup.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: olderKafka ? NEWEST_KAFKA_ONLY : [],
          globalSetup: ['test/integration/global-setup.ts', 'test/integration/fault-proxy/profile-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
