// Writing command output to stdout with backpressure: a slow reader (a pager, `| head`, a full pipe)
// slows the command down instead of growing the heap. A closed pipe (EPIPE) ends the output quietly.
import type { Writable } from 'node:stream'

/** Line output on a writable stream that waits for 'drain' when the stream's buffer is full. */
export class LineOutput {
  private closedReason: Error | undefined
  private readonly waiters = new Set<() => void>()

  /**
   * @param onClosed called once when the reader goes away (EPIPE), e.g. to stop consuming.
   */
  constructor(
    private readonly stream: Writable = process.stdout,
    private readonly onClosed?: () => void,
  ) {
    stream.on('error', this.onError)
    stream.on('drain', this.wakeAll)
  }

  private readonly onError = (err: Error): void => {
    this.closedReason = err
    this.wakeAll()
    this.onClosed?.()
  }

  private readonly wakeAll = (): void => {
    for (const w of this.waiters) w()
    this.waiters.clear()
  }

  /** True once the stream failed (for example the reader closed the pipe). */
  get closed(): boolean {
    return this.closedReason !== undefined
  }

  /** Writes the lines (each followed by a newline); resolves when the stream can take more. */
  async write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0 || this.closedReason) return
    if (this.stream.write(`${lines.join('\n')}\n`)) return
    await new Promise<void>((resolve) => this.waiters.add(resolve))
  }

  /** Writes bytes as they are (records already end with their newline); waits like {@link write}. */
  async writeBytes(chunks: readonly Buffer[]): Promise<void> {
    if (chunks.length === 0 || this.closedReason) return
    if (this.stream.write(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))) return
    await new Promise<void>((resolve) => this.waiters.add(resolve))
  }

  /**
   * Stops waiting for 'drain'. The error listener stays: an EPIPE arriving later (while the
   * process exits) must not become an uncaught exception.
   */
  dispose(): void {
    this.stream.off('drain', this.wakeAll)
    this.wakeAll()
  }
}
