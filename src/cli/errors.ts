/** An error in how the command was invoked: printed as one line, exit code 2 (1 is for failures). */
export class UsageError extends Error {
  override name = 'UsageError'
}
