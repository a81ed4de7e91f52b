#!/usr/bin/env node
// `npm run docs`: the API reference (HTML, from the TSDoc of the package's entry points) in
// docs/api. TypeDoc needs the TypeScript compiler's JavaScript API, which TypeScript 7 (this
// repo's compiler) no longer ships, so TypeDoc runs with its own TypeScript 5.9, installed
// once into a tools cache rather than as devDependencies whose peer ranges would conflict.
// Extra arguments go to TypeDoc (e.g. `npm run docs -- --out /tmp/api`).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const TYPEDOC = '0.28.20'
const TYPESCRIPT = '5.9.3'
const repo = join(dirname(fileURLToPath(import.meta.url)), '..')
const tools = process.env.PERIDOT_TOOLS_DIR ?? join(homedir(), '.cache', 'peridot-tools')
const dir = join(tools, `typedoc-${TYPEDOC}-ts-${TYPESCRIPT}`)
const bin = join(dir, 'node_modules', 'typedoc', 'bin', 'typedoc')

if (!existsSync(bin)) {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'peridot-docs-tools', private: true }))
  console.error(`installing typedoc ${TYPEDOC} with typescript ${TYPESCRIPT} into ${dir}`)
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', `typedoc@${TYPEDOC}`, `typescript@${TYPESCRIPT}`], { cwd: dir, stdio: 'inherit' })
}

const entryPoints = ['src/index.ts', 'src/streams/index.ts', 'src/protocol/index.ts', 'src/dev/index.ts', 'src/schema-registry/index.ts']
const args = [
  bin,
  '--tsconfig', 'tsconfig.build.json',
  '--name', 'peridot-kafka',
  '--readme', 'README.md',
  '--out', 'docs/api',
  '--excludeInternal',
  '--excludePrivate',
  // The sources type-check with TypeScript 7 (npm run typecheck); TypeDoc's 5.9 only reads them.
  '--skipErrorChecking',
  // Protected members are for the package's own subclasses, not for users.
  '--excludeProtected',
  // Source links would point at whatever remote a clone has.
  '--disableSources',
  // Local aliases that public signatures spell out (iterators, option records): no pages of their own.
  ...['WindowRange', 'Sessions', 'LogConfig', 'Labels'].flatMap((n) => ['--intentionallyNotExported', n]),
  // Inherited Node stream docs link to Node's own reference.
  '--options',
  nodeLinks(),
  ...entryPoints.flatMap((e) => ['--entryPoints', e]),
  ...process.argv.slice(2),
]
/** A TypeDoc options file mapping the Node stream methods inherited docs link to (the CLI cannot take a map). */
function nodeLinks() {
  const file = join(mkdtempSync(join(tmpdir(), 'peridot-docs-')), 'typedoc.json')
  const stream = 'https://nodejs.org/api/stream.html'
  writeFileSync(
    file,
    JSON.stringify({
      externalSymbolLinkMappings: {
        '@types/node': { 'Stream.Writable.write': `${stream}#writablewritechunk-encoding-callback`, 'Stream.Writable.end': `${stream}#writableendchunk-encoding-callback` },
      },
    }),
  )
  return file
}

try {
  execFileSync(process.execPath, args, { cwd: repo, stdio: 'inherit' })
} catch (err) {
  process.exit(typeof err.status === 'number' ? err.status : 1)
}
