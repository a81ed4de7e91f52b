// `npm run docs` builds the API reference from the TSDoc (issue 14 §5): it must succeed, leave no
// broken or dangling links (a public signature naming a type the reference does not show, or a
// {@link} that resolves nowhere), and produce the pages of the main entry points with their
// documented members and without internals. Needs no broker (a unit test, if a slow one: the
// first run installs TypeDoc into a tools cache).
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const out = mkdtempSync(join(tmpdir(), 'peridot-api-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

/** Runs the docs script into `out`; resolves with its exit code and output (TypeDoc logs to stdout). */
function buildDocs(): Promise<{ code: number; log: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repo, 'scripts', 'docs.mjs'), '--out', out], { cwd: repo, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, log: `${stdout}\n${stderr}` })
    })
  })
}

const page = (name: string): string => readFileSync(join(out, 'classes', `${name}.html`), 'utf8')

describe('npm run docs', () => {
  it(
    'builds the API reference with no broken links and the main classes documented',
    async () => {
      const { code, log } = await buildDocs()
      // eslint-disable-next-line no-control-regex
      const plain = log.replace(/\u001b\[[0-9;]*m/g, '')
      expect(code, plain.slice(-4000)).toBe(0)
      expect(plain).toMatch(/Found 0 errors/)
      const dangling = plain.split('\n').filter((l) => /Failed to resolve link|not included in the documentation|links to .* which was resolved but/.test(l))
      expect(dangling).toEqual([])

      for (const name of ['index.Client', 'index.Producer', 'index.PartitionClient', 'streams.KafkaStreams', 'streams.StreamsBuilder', 'streams.TopologyTestDriver', 'schema-registry.SchemaRegistryClient']) {
        expect(existsSync(join(out, 'classes', `${name}.html`)), name).toBe(true)
      }
      const client = page('index.Client')
      // Documented members with their TSDoc ...
      expect(client).toContain('id="partitionclient"')
      expect(client).toContain('Connects to the cluster')
      // ... and no internals (the cluster view is @internal).
      expect(client).not.toContain('id="cluster"')
      expect(page('streams.KafkaStreams')).toContain('id="start"')
    },
    300_000,
  )
})
