import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url))

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
          globalSetup: ['test/integration/global-setup.ts', 'test/integration/fault-proxy/profile-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
