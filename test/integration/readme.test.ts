// Every TypeScript block of README.md and docs/*.md type-checks (tsc on generated files, the package name
// mapped to src/), and the blocks marked runnable run against the broker under test, each as a
// process that must finish by itself with exit code 0 (see readme-blocks.ts for the markers).
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bootstrap } from './helpers.js'
import { readmePrograms, type ReadmeProgram } from './readme-blocks.js'
import { registryUnavailableReason, sharedRegistry } from './schema-registry-helpers.js'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
// The README and the docs pages: each TypeScript block type-checks, the runnable ones run.
const DOCS = ['README.md', 'docs/coming-from-kafkajs.md']
const programs = DOCS.flatMap((doc) => readmePrograms(readFileSync(join(repo, doc), 'utf8')).map((p) => ({ ...p, doc })))
const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
let dir: string
// Blocks marked `registry` run against a real schema registry (Karapace or SCHEMA_REGISTRY_URL).
const registryMissing = registryUnavailableReason()
const registry = programs.some((p) => p.runnable && p.registry) && !registryMissing ? sharedRegistry() : undefined

/** File name of a program. */
const fileOf = (p: ReadmeProgram & { doc: string }): string => `${p.doc.replace(/[^a-zA-Z0-9]+/g, '-')}-line-${p.line}.ts`

/** The program as run: the README's broker address replaced by the test's, `unique` names suffixed. */
function generated(p: ReadmeProgram & { doc: string }): string {
  let src = p.source.replaceAll(`'127.0.0.1:9092'`, `(process.env.PERIDOT_README_BROKER ?? '127.0.0.1:9092')`)
  src = src.replaceAll(`'http://127.0.0.1:8081'`, `(process.env.PERIDOT_README_REGISTRY ?? 'http://127.0.0.1:8081')`)
  for (const name of p.unique) src = src.replaceAll(`'${name}'`, `'${name}-${suffix}'`)
  return `${src}\nexport {}\n`
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'peridot-readme-'))
  // The package's name maps to the sources, so the README imports what a user imports (and an
  // import of any other name, such as the old 'peridot', fails the type check).
  const paths: Record<string, string[]> = {}
  for (const name of ['peridot-kafka']) {
    paths[name] = [join(repo, 'src', 'index.ts')]
    paths[`${name}/*`] = [join(repo, 'src', '*', 'index.ts')]
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2023'],
        types: ['node'],
        typeRoots: [join(repo, 'node_modules', '@types')],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        paths,
      },
      files: programs.map(fileOf),
    }),
  )
  for (const p of programs) writeFileSync(join(dir, fileOf(p)), generated(p))
})

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('README.md and docs/', () => {
  it('has TypeScript blocks, some of them runnable', () => {
    expect(programs.length).toBeGreaterThanOrEqual(8)
    expect(programs.filter((p) => p.runnable).length).toBeGreaterThanOrEqual(4)
  })

  it('every TypeScript block type-checks', () => {
    const tsc = spawnSync(join(repo, 'node_modules', '.bin', 'tsc'), ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' })
    // Errors name the generated file, whose name carries the README line of the block.
    expect(`${tsc.stdout}${tsc.stderr}`.trim()).toBe('')
    expect(tsc.status).toBe(0)
  }, 120_000)

  for (const p of programs.filter((x) => x.runnable)) {
    it(`the block at ${p.doc}:${p.line} runs and exits by itself`, async (ctx) => {
      if (p.registry && !registry) ctx.skip(`it needs a schema registry: ${registryMissing}`)
      const loader = import.meta.resolve('tsx')
      const child = spawn(process.execPath, ['--import', loader, join(dir, fileOf(p))], {
        cwd: dir,
        env: { ...process.env, TSX_TSCONFIG_PATH: join(dir, 'tsconfig.json'), PERIDOT_README_BROKER: bootstrap(), ...(registry ? { PERIDOT_README_REGISTRY: registry().url } : {}) },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let output = ''
      child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)))
      child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)))
      const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)))
      expect(code, output).toBe(0)
    }, 60_000)
  }
})
