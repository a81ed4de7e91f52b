// The package's entry points (package.json "exports") load and expose their main API, the
// exports map has the shape users rely on (ESM import, CommonJS require on Node with
// require(esm), types), and the repo's own name mapping (tsconfig paths) matches it.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as root from 'peridot-kafka'
import * as protocol from 'peridot-kafka/protocol'
import * as streams from 'peridot-kafka/streams'
import * as dev from 'peridot-kafka/dev'
import * as schemaRegistry from 'peridot-kafka/schema-registry'

const repo = join(dirname(new URL(import.meta.url).pathname), '..', '..')
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  name: string
  bin: Record<string, string>
  files: string[]
  exports: Record<string, Record<string, string> | string>
}
const SUBPATHS = { '.': 'index', './protocol': 'protocol/index', './streams': 'streams/index', './dev': 'dev/index', './schema-registry': 'schema-registry/index' } as const

describe('package entry points', () => {
  it('peridot-kafka exposes the client API and typed errors', () => {
    for (const name of ['Client', 'PartitionClient', 'Producer', 'TransactionalProducer', 'GroupConsumer', 'KafkaProtocolError', 'DecodeError', 'murmur2', 'ClientClosedError', 'BootstrapError']) {
      expect(root, name).toHaveProperty(name)
    }
  })
  it('peridot-kafka/protocol exposes codecs, records and errors', () => {
    for (const name of ['Writer', 'Reader', 'Produce', 'Fetch', 'Metadata', 'encodeRecordBatch', 'decodeRecordBatches', 'crc32c', 'ErrorCode', 'ScramClient']) {
      expect(protocol, name).toHaveProperty(name)
    }
    expect(protocol.Produce.apiKey).toBe(0)
  })
  it('peridot-kafka/streams and peridot-kafka/dev expose their entry classes', () => {
    for (const name of ['StreamsBuilder', 'KafkaStreams', 'Serdes', 'TopologyTestDriver', 'ClusterTestDriver', 'outputUnderSchedule']) expect(streams, name).toHaveProperty(name)
    for (const name of ['startLocalBroker', 'stopLocalBroker', 'ensureKafkaJars']) expect(dev, name).toHaveProperty(name)
  })
  it('peridot-kafka/schema-registry exposes the registry client, serdes and typed errors', () => {
    for (const name of ['SchemaRegistryClient', 'AvroSerde', 'ProtobufSerde', 'JsonSchemaSerde', 'RegistryError', 'SchemaSerdeError', 'encodeFrame']) {
      expect(schemaRegistry, name).toHaveProperty(name)
    }
  })
})

describe('package.json', () => {
  it('is named peridot-kafka, ships dist, and keeps the peridot command', () => {
    expect(pkg.name).toBe('peridot-kafka')
    expect(pkg.files).toContain('dist')
    expect(pkg.bin).toEqual({ peridot: './dist/cli/index.js' })
  })

  it('exports each subpath for import, require (require(esm)) and types, built from a source entry', () => {
    expect(Object.keys(pkg.exports).sort()).toEqual([...Object.keys(SUBPATHS), './package.json'].sort())
    for (const [subpath, file] of Object.entries(SUBPATHS)) {
      expect(pkg.exports[subpath], subpath).toEqual({
        types: `./dist/${file}.d.ts`,
        import: `./dist/${file}.js`,
        require: `./dist/${file}.js`,
      })
      expect(existsSync(join(repo, 'src', `${file}.ts`)), `src/${file}.ts`).toBe(true)
    }
  })

  it("maps the package's own name to the sources in tsconfig.json, subpath for subpath", () => {
    const text = readFileSync(join(repo, 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')
    const paths = (JSON.parse(text) as { compilerOptions: { paths: Record<string, string[]> } }).compilerOptions.paths
    const expected = Object.fromEntries(
      Object.entries(SUBPATHS).map(([subpath, file]) => [`peridot-kafka${subpath.slice(1)}`, [`./src/${file}.ts`]]),
    )
    expect(paths).toEqual(expected)
  })

  // The mechanism itself, on this Node: a package with this exports map whose targets are ES
  // modules is loadable with require() from CommonJS and with import. Node without require(esm)
  // (before 20.19 / 22.12) cannot run the require half; the map's shape is checked above.
  const requireEsm = (process.features as { require_module?: boolean }).require_module === true
  it.skipIf(!requireEsm)('a package with this exports map loads through require() and import', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peridot-exports-'))
    try {
      const pkgDir = join(dir, 'node_modules', pkg.name)
      for (const [subpath, file] of Object.entries(SUBPATHS)) {
        const target = join(pkgDir, 'dist', `${file}.js`)
        mkdirSync(dirname(target), { recursive: true })
        writeFileSync(target, `export const subpath = ${JSON.stringify(subpath)}\n`)
      }
      writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: pkg.name, type: 'module', exports: pkg.exports }))
      const specifiers = Object.keys(SUBPATHS).map((s) => pkg.name + s.slice(1))
      writeFileSync(join(dir, 'probe.cjs'), `console.log(JSON.stringify(${JSON.stringify(specifiers)}.map((s) => require(s).subpath)))`)
      writeFileSync(join(dir, 'probe.mjs'), `console.log(JSON.stringify(await Promise.all(${JSON.stringify(specifiers)}.map(async (s) => (await import(s)).subpath))))`)
      for (const probe of ['probe.cjs', 'probe.mjs']) {
        const out = execFileSync(process.execPath, ['--no-warnings', probe], { cwd: dir, encoding: 'utf8' })
        expect(JSON.parse(out), probe).toEqual(Object.keys(SUBPATHS))
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
