#!/usr/bin/env node
// The `peridot` command: a thin dispatcher. Each subcommand group lives in ./commands/<name>.ts and
// registers itself in COMMANDS, so topics/produce/consume can be added without touching the rest.
import { readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { brokerCommand } from './commands/broker.js'
import { consumeCommand } from './commands/consume.js'
import { groupsCommand } from './commands/groups.js'
import { metadataCommand } from './commands/metadata.js'
import { offsetsCommand } from './commands/offsets.js'
import { produceCommand } from './commands/produce.js'
import { topicsCommand } from './commands/topics.js'
import type { Command } from './commands/types.js'
import { propertiesHelp } from './client-config.js'
import { UsageError } from './errors.js'

const COMMANDS: Command[] = [brokerCommand, topicsCommand, produceCommand, consumeCommand, metadataCommand, offsetsCommand, groupsCommand]

/** Exit code of a command line that could not be understood (as getopt-style tools use). */
const USAGE_EXIT_CODE = 2

function usage(): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`)
  return `Usage: peridot <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "peridot <command> --help" for details, "peridot -X list" for the client properties, "peridot --version" for the version.`
}

/** The package version (package.json sits two levels up from both src/cli and dist/cli). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

/** True for `-X list` / `--property list` anywhere in the arguments (kcat's way to list properties). */
function asksPropertyList(args: readonly string[]): boolean {
  return args.some((a, i) => ((a === '-X' || a === '--property') && args[i + 1] === 'list') || a === '-Xlist' || a === '--property=list')
}

/** Runs the CLI with the given arguments (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage())
    return name === undefined ? 1 : 0
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    console.log(`peridot ${packageVersion()} (node ${process.version})`)
    return 0
  }
  if (asksPropertyList(argv)) {
    console.log(propertiesHelp())
    return 0
  }
  const command = COMMANDS.find((c) => c.name === name)
  if (!command) {
    console.error(`peridot: unknown command "${name}". Run "peridot --help".`)
    return USAGE_EXIT_CODE
  }
  try {
    return await command.run(rest)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    // Messages are written so their first line stands alone; details (log tails) follow it.
    if (process.env.PERIDOT_DEBUG) console.error(`peridot ${name}: ${err instanceof Error ? err.stack : message}`)
    else console.error(`peridot ${name}: ${message.split('\n')[0]}`)
    return err instanceof UsageError ? USAGE_EXIT_CODE : 1
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1]
  if (!script) return false
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (err: unknown) => {
      console.error(`peridot: ${err instanceof Error ? err.message : String(err)}`)
      process.exitCode = 1
    },
  )
}
