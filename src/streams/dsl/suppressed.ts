/**
 * Suppression configuration (Kafka Streams' `Suppressed` and `Suppressed.BufferConfig`): how long
 * `KTable.suppress` holds back updates and how large its buffer may grow.
 *
 * ```ts
 * counts.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
 * table.suppress(Suppressed.untilTimeLimit(60_000, BufferConfig.maxRecords(1000).emitEarlyWhenFull()))
 * ```
 */
import { InvalidArgumentError } from '../../protocol/errors.js'

/** What a bounded buffer does when it is over a limit. */
export type BufferFullStrategy = 'emit-early' | 'shut-down'

/** Changelog topic configs of the suppression buffer; null when logging is disabled. */
type LogConfig = Readonly<globalThis.Record<string, string>> | null

function checkLimit(what: string, n: number): number {
  if (typeof n !== 'number' || !(n >= 0) || !(Number.isInteger(n) || n === Infinity)) {
    throw new InvalidArgumentError(`BufferConfig.${what}: expected a non-negative integer, got ${String(n)}`)
  }
  return n
}

/**
 * Buffer limits shared by {@link StrictBufferConfig} and {@link EagerBufferConfig}. Limits are
 * counted as Kafka Streams counts them: records are buffered keys; bytes are key, values, record
 * timestamp/offset/partition, topic name and headers, plus 8 per entry.
 */
export abstract class BufferConfig {
  /** Largest number of buffered keys (Infinity: no limit). */
  readonly maxRecords: number
  /** Largest buffer size in bytes (Infinity: no limit). */
  readonly maxBytes: number
  /** Changelog topic configs; null when the buffer is not logged. */
  readonly logConfig: LogConfig
  abstract readonly bufferFullStrategy: BufferFullStrategy

  /** @internal */
  constructor(maxRecords: number, maxBytes: number, logConfig: LogConfig) {
    this.maxRecords = maxRecords
    this.maxBytes = maxBytes
    this.logConfig = logConfig
  }

  /** A buffer that holds at most `recordLimit` keys and emits the oldest early when over it. */
  static maxRecords(recordLimit: number): EagerBufferConfig {
    return new EagerBufferConfig(checkLimit('maxRecords', recordLimit), Infinity, {})
  }

  /** A buffer of at most `byteLimit` bytes that emits the oldest early when over it. */
  static maxBytes(byteLimit: number): EagerBufferConfig {
    return new EagerBufferConfig(Infinity, checkLimit('maxBytes', byteLimit), {})
  }

  /**
   * A buffer without size limits: it holds whatever the time limit requires (memory permitting)
   * and never emits early.
   */
  static unbounded(): StrictBufferConfig {
    return new StrictBufferConfig(Infinity, Infinity, {})
  }

  /** True when the buffer is logged to `<applicationId>-<store>-changelog` (the default). */
  get loggingEnabled(): boolean {
    return this.logConfig !== null
  }

  /** Without size limits (strict). */
  withNoBound(): StrictBufferConfig {
    return new StrictBufferConfig(Infinity, Infinity, this.logConfig)
  }

  /** Fails the task with a {@link SuppressionBufferFullError} when a limit is exceeded: never emits early. */
  shutDownWhenFull(): StrictBufferConfig {
    return new StrictBufferConfig(this.maxRecords, this.maxBytes, this.logConfig)
  }

  /** Emits the oldest buffered keys early when a limit is exceeded (fewer, not only final, results). */
  emitEarlyWhenFull(): EagerBufferConfig {
    return new EagerBufferConfig(this.maxRecords, this.maxBytes, this.logConfig)
  }

  /** Same limits with a new record limit. */
  abstract withMaxRecords(recordLimit: number): BufferConfig
  /** Same limits with a new byte limit. */
  abstract withMaxBytes(byteLimit: number): BufferConfig
  /** No changelog: buffered updates are lost when the task moves or the instance crashes. */
  abstract withLoggingDisabled(): BufferConfig
  /** Logged (the default), with these changelog topic configs. */
  abstract withLoggingEnabled(config?: Readonly<globalThis.Record<string, string>>): BufferConfig
}

/** A buffer that never emits early: it holds results until their time, or fails the task when full. */
export class StrictBufferConfig extends BufferConfig {
  readonly bufferFullStrategy = 'shut-down' as const
  /** @internal */
  constructor(maxRecords: number, maxBytes: number, logConfig: LogConfig) {
    super(maxRecords, maxBytes, logConfig)
  }
  withMaxRecords(recordLimit: number): StrictBufferConfig {
    return new StrictBufferConfig(checkLimit('withMaxRecords', recordLimit), this.maxBytes, this.logConfig)
  }
  withMaxBytes(byteLimit: number): StrictBufferConfig {
    return new StrictBufferConfig(this.maxRecords, checkLimit('withMaxBytes', byteLimit), this.logConfig)
  }
  withLoggingDisabled(): StrictBufferConfig {
    return new StrictBufferConfig(this.maxRecords, this.maxBytes, null)
  }
  withLoggingEnabled(config: Readonly<globalThis.Record<string, string>> = {}): StrictBufferConfig {
    return new StrictBufferConfig(this.maxRecords, this.maxBytes, { ...config })
  }
}

/** A size-bounded buffer that emits its oldest keys early when full: reduces duplicates, does not remove them all. */
export class EagerBufferConfig extends BufferConfig {
  readonly bufferFullStrategy = 'emit-early' as const
  /** @internal */
  constructor(maxRecords: number, maxBytes: number, logConfig: LogConfig) {
    super(maxRecords, maxBytes, logConfig)
  }
  withMaxRecords(recordLimit: number): EagerBufferConfig {
    return new EagerBufferConfig(checkLimit('withMaxRecords', recordLimit), this.maxBytes, this.logConfig)
  }
  withMaxBytes(byteLimit: number): EagerBufferConfig {
    return new EagerBufferConfig(this.maxRecords, checkLimit('withMaxBytes', byteLimit), this.logConfig)
  }
  withLoggingDisabled(): EagerBufferConfig {
    return new EagerBufferConfig(this.maxRecords, this.maxBytes, null)
  }
  withLoggingEnabled(config: Readonly<globalThis.Record<string, string>> = {}): EagerBufferConfig {
    return new EagerBufferConfig(this.maxRecords, this.maxBytes, { ...config })
  }
}

/** How `KTable.suppress` decides when a buffered update is emitted. */
export class Suppressed {
  /** 'window-close': final results of a windowed table; 'time-limit': each key waits `timeLimitMs`. */
  readonly kind: 'window-close' | 'time-limit'
  /** For 'time-limit': how long a key's first buffered update waits for more (ms). */
  readonly timeLimitMs: number
  readonly bufferConfig: BufferConfig
  /** Name of the suppression processor; its buffer store is `<name>-store`. Generated when undefined. */
  readonly name: string | undefined

  private constructor(kind: 'window-close' | 'time-limit', timeLimitMs: number, bufferConfig: BufferConfig, name: string | undefined) {
    this.kind = kind
    this.timeLimitMs = timeLimitMs
    this.bufferConfig = bufferConfig
    this.name = name
  }

  /**
   * Only the final result of each window: updates of a windowed table are held until the window
   * closes (window end + grace <= stream time), then the last one is emitted (deletes are dropped,
   * as nothing was emitted for the window before). The buffer must be strict (unbounded or
   * shut down when full): emitting early would break "final".
   */
  static untilWindowCloses(bufferConfig: StrictBufferConfig): Suppressed {
    if (!(bufferConfig instanceof BufferConfig)) throw new InvalidArgumentError('Suppressed.untilWindowCloses: bufferConfig must be a BufferConfig')
    if (bufferConfig.bufferFullStrategy !== 'shut-down') {
      throw new InvalidArgumentError(
        'Suppressed.untilWindowCloses: the buffer must be strict (BufferConfig.unbounded() or .shutDownWhenFull()); emitEarlyWhenFull() would emit non-final results',
      )
    }
    return new Suppressed('window-close', 0, bufferConfig, undefined)
  }

  /**
   * Holds each key's updates for `timeLimitMs` after the first one buffered (later updates replace
   * the buffered one without restarting the wait), then emits the latest.
   */
  static untilTimeLimit(timeLimitMs: number, bufferConfig: BufferConfig): Suppressed {
    if (typeof timeLimitMs !== 'number' || !(timeLimitMs >= 0) || !(Number.isInteger(timeLimitMs) || timeLimitMs === Infinity)) {
      throw new InvalidArgumentError(`Suppressed.untilTimeLimit: timeLimitMs must be a non-negative integer, got ${String(timeLimitMs)}`)
    }
    if (!(bufferConfig instanceof BufferConfig)) throw new InvalidArgumentError('Suppressed.untilTimeLimit: bufferConfig must be a BufferConfig')
    return new Suppressed('time-limit', timeLimitMs, bufferConfig, undefined)
  }

  /** Names the suppression processor (and its store `<name>-store` and changelog topic). */
  withName(name: string): Suppressed {
    if (typeof name !== 'string' || name.length === 0) throw new InvalidArgumentError('Suppressed.withName: name must be a non-empty string')
    return new Suppressed(this.kind, this.timeLimitMs, this.bufferConfig, name)
  }

  /** Shorthand for the same suppression with `bufferConfig.withLoggingDisabled()`. */
  withLoggingDisabled(): Suppressed {
    return new Suppressed(this.kind, this.timeLimitMs, this.bufferConfig.withLoggingDisabled(), this.name)
  }

  /** Shorthand for the same suppression with `bufferConfig.withLoggingEnabled(config)`. */
  withLoggingEnabled(config: Readonly<globalThis.Record<string, string>> = {}): Suppressed {
    return new Suppressed(this.kind, this.timeLimitMs, this.bufferConfig.withLoggingEnabled(config), this.name)
  }
}
