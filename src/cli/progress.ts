// Live counters for long-running commands (produce, catch-up consume). On a terminal the line is
// redrawn in place at most ~10 times a second; otherwise (logs, CI) a plain line is printed every
// few seconds, so short runs stay silent. Counting is cheap: rendering happens on a timer only.
import { formatBytes, formatCount, ratePerSecond } from './format.js'

/** Where progress goes: normally process.stderr. */
export interface ProgressStream {
  write(chunk: string): unknown
  isTTY?: boolean
}

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Verb shown first, e.g. 'produced' or 'consumed'. */
  label: string
  /** Default process.stderr. */
  stream?: ProgressStream
  /** Print nothing at all. */
  quiet?: boolean
  /** TTY redraw interval (default 100 ms). */
  ttyIntervalMs?: number
  /** Interval of plain lines when the stream is not a TTY (default 5000 ms). */
  plainIntervalMs?: number
  /** Extra text appended to the line, e.g. the consumer lag. */
  suffix?: () => string
  /** Clock (ms), for tests. */
  now?: () => number
}

/** A records/bytes counter that reports itself on stderr while work runs. */
export class Progress {
  records = 0
  bytes = 0
  private readonly stream: ProgressStream
  private readonly startedAt: number
  private readonly now: () => number
  private timer: NodeJS.Timeout | undefined
  private drawn = false

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr
    this.now = opts.now ?? Date.now
    this.startedAt = this.now()
    if (opts.quiet) return
    const tty = this.stream.isTTY === true
    const interval = tty ? (opts.ttyIntervalMs ?? 100) : (opts.plainIntervalMs ?? 5000)
    this.timer = setInterval(() => this.draw(tty), interval)
    // Progress must never keep the process alive on its own.
    this.timer.unref()
  }

  /** Counts `records` more records of `bytes` bytes in total. */
  add(records: number, bytes: number): void {
    this.records += records
    this.bytes += bytes
  }

  /** Milliseconds since the counter was created. */
  elapsedMs(): number {
    return this.now() - this.startedAt
  }

  /** The status line: records, MB, rate and the optional suffix. */
  line(): string {
    const ms = this.elapsedMs()
    const rate = Math.round(ratePerSecond(this.records, ms))
    const mbs = (ratePerSecond(this.bytes, ms) / (1024 * 1024)).toFixed(1)
    const suffix = this.opts.suffix?.()
    return `${this.opts.label} ${formatCount(this.records)} records, ${formatBytes(this.bytes)}, ${formatCount(rate)} records/s (${mbs} MB/s)${suffix ? `, ${suffix}` : ''}`
  }

  private draw(tty: boolean): void {
    if (tty) {
      // \r + "erase line" so a shorter line leaves no leftovers.
      this.stream.write(`\r\x1b[2K${this.line()}`)
      this.drawn = true
    } else {
      this.stream.write(`${this.line()}\n`)
    }
  }

  /** Stops reporting and erases the live line, so a summary can follow on a clean line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    if (this.drawn) this.stream.write('\r\x1b[2K')
    this.drawn = false
  }
}
