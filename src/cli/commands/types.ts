/** A top-level `peridot` subcommand group (e.g. `broker`). */
export interface Command {
  name: string
  /** One line for `peridot --help`. */
  summary: string
  /** Runs with the arguments after the command name; resolves to the process exit code. */
  run(args: string[]): Promise<number>
}
