/**
 * Options of a share-group consumer (KIP-932), their defaults and their checks: every bad value
 * is an InvalidArgumentError naming the option.
 */
import { InvalidArgumentError, type KafkaProtocolError } from '../../protocol/errors.js'
import { checkTopicName, describeValue } from '../validate.js'

/**
 * How delivered records are acknowledged, as Java's `share.acknowledgement.mode`:
 * - `implicit`: every record a batch delivered is accepted when the next batch is asked for
 *   (or on `commit()`); records cannot be acknowledged one by one.
 * - `explicit`: the caller acknowledges each record (`accept()`, `release()`, `reject()`)
 *   before asking for the next batch.
 */
export type AcknowledgementMode = 'implicit' | 'explicit'

/** How the broker should treat a delivered record. */
export type AcknowledgeKind = 'accept' | 'release' | 'reject' | 'renew'

/** The outcome of sending the acknowledgements of one partition. */
export interface AcknowledgementCommitResult {
  topic: string
  partition: number
  /** The acknowledged offsets (renewals included), ascending. */
  offsets: bigint[]
  /** Null when the broker applied them; else why not (e.g. INVALID_RECORD_STATE when the lock had expired). */
  error: KafkaProtocolError | Error | null
}

/** Options of `Client.shareConsumer()`. */
export interface ShareConsumerOptions {
  /** The share group (a group id of its own: not one of a consumer group). */
  groupId: string
  /** Topics to read. Records are shared among the members; there is no partition ownership. */
  topics: string[]
  /** Default `implicit` (as Java's default). */
  acknowledgementMode?: AcknowledgementMode
  /** Records asked for per fetch (a soft limit: the broker aligns to batch boundaries). Default 500. */
  maxRecords?: number
  /** How long a fetch waits on the broker for records. Default 500 ms. */
  maxWaitMs?: number
  /** Bytes a fetch waits for. Default 1. */
  minBytes?: number
  /** Bytes a fetch may return (soft limit). Default 50 MiB. */
  maxBytes?: number
  /** The rack of this member, sent to the group coordinator. */
  rackId?: string
  /**
   * Called with the outcome of every acknowledgement sent (with a fetch, by `commit()` or
   * `commitAsync()`, on close), as Java's AcknowledgementCommitCallback. Exceptions it throws
   * are logged.
   */
  onAcknowledgementCommit?: (results: AcknowledgementCommitResult[]) => void
}

/** Options with defaults applied. */
export interface ResolvedShareConsumerOptions {
  groupId: string
  topics: string[]
  acknowledgementMode: AcknowledgementMode
  maxRecords: number
  maxWaitMs: number
  minBytes: number
  maxBytes: number
  rackId: string | null
  onAcknowledgementCommit: ((results: AcknowledgementCommitResult[]) => void) | undefined
}

function positiveInt(name: string, v: unknown, dflt: number, min = 1): number {
  if (v === undefined) return dflt
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > 0x7fffffff) {
    throw new InvalidArgumentError(`shareConsumer: ${name} must be an integer from ${min} to 2147483647 (got ${describeValue(v)})`)
  }
  return v
}

/** Checks the options and applies the defaults. */
export function resolveShareConsumerOptions(options: ShareConsumerOptions): ResolvedShareConsumerOptions {
  if (options === null || typeof options !== 'object') throw new InvalidArgumentError(`shareConsumer needs { groupId, topics } (got ${describeValue(options)})`)
  const { groupId, topics, acknowledgementMode = 'implicit' } = options
  if (typeof groupId !== 'string' || groupId.length === 0) throw new InvalidArgumentError(`shareConsumer: groupId must be a non-empty string (got ${describeValue(groupId)})`)
  if (!Array.isArray(topics) || topics.length === 0) throw new InvalidArgumentError(`shareConsumer: topics must be a non-empty array of topic names (got ${describeValue(topics)})`)
  for (const t of topics) checkTopicName(t, 'shareConsumer topic')
  if (acknowledgementMode !== 'implicit' && acknowledgementMode !== 'explicit') {
    throw new InvalidArgumentError(`shareConsumer: acknowledgementMode must be 'implicit' or 'explicit' (got ${describeValue(acknowledgementMode)})`)
  }
  if (options.rackId !== undefined && typeof options.rackId !== 'string') throw new InvalidArgumentError(`shareConsumer: rackId must be a string (got ${describeValue(options.rackId)})`)
  if (options.onAcknowledgementCommit !== undefined && typeof options.onAcknowledgementCommit !== 'function') {
    throw new InvalidArgumentError(`shareConsumer: onAcknowledgementCommit must be a function (got ${describeValue(options.onAcknowledgementCommit)})`)
  }
  return {
    groupId,
    topics: [...new Set(topics)],
    acknowledgementMode,
    maxRecords: positiveInt('maxRecords', options.maxRecords, 500),
    maxWaitMs: positiveInt('maxWaitMs', options.maxWaitMs, 500, 0),
    minBytes: positiveInt('minBytes', options.minBytes, 1, 0),
    maxBytes: positiveInt('maxBytes', options.maxBytes, 50 * 1024 * 1024),
    rackId: options.rackId ?? null,
    onAcknowledgementCommit: options.onAcknowledgementCommit,
  }
}
