/** An error in how the command was invoked: printed as one line, exit code 1 (same as others). */
export class UsageError extends Error {
  override name = 'UsageError'
}
