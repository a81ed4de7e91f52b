import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { main } from '../../../src/cli/index.js'

const COMMANDS = ['broker', 'topics', 'produce', 'consume', 'metadata', 'offsets', 'groups']

describe('peridot command line', () => {
  afterEach(() => vi.restoreAllMocks())
  const captured = () => {
    const lines: string[] = []
    vi.spyOn(console, 'log').mockImplementation((s: unknown) => void lines.push(String(s)))
    vi.spyOn(console, 'error').mockImplementation((s: unknown) => void lines.push(`ERR ${String(s)}`))
    return lines
  }

  it('every command accepts -q and --quiet (as the README says)', async () => {
    for (const name of COMMANDS) {
      for (const q of ['-q', '--quiet']) {
        const out = captured()
        expect(await main([name, q, '--help']), `${name} ${q}`).toBe(0)
        expect(out.join('\n'), name).toContain(`Usage: peridot ${name}`)
        vi.restoreAllMocks()
      }
    }
  })

  it('--version prints the package version', async () => {
    const out = captured()
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
    expect(await main(['--version'])).toBe(0)
    expect(out).toEqual([`peridot ${version} (node ${process.version})`])
  })

  it('the top-level help lists every command', async () => {
    const out = captured()
    expect(await main(['--help'])).toBe(0)
    for (const name of COMMANDS) expect(out[0]).toMatch(new RegExp(`^  ${name} `, 'm'))
  })
})
