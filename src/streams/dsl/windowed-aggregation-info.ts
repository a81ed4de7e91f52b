/**
 * What a windowed aggregation's KTable tells downstream operations (suppression's
 * `untilWindowCloses`): that its keys are `Windowed<K>` and the grace after a window's end until
 * it closes, as Kafka Streams finds it from the table's windowed aggregation (through
 * stateless table operations such as filter and mapValues).
 */

/** @internal Kafka Streams' `GraphGraceSearchUtil` result for a table. */
export interface WindowedAggregationInfo {
  /** The table's keys are `Windowed<K>`. */
  readonly windowedKeys: true
  /** Which windows: time (incl. hopping, unlimited and other `Windows`), sliding or session. */
  readonly kind: 'time' | 'sliding' | 'session'
  /**
   * Time after `window.end` (ms) until the window closes: the windows' grace, or for session
   * windows inactivity gap + grace (Kafka Streams' value). A record's window has closed when
   * stream time >= `window.end + graceMs`.
   */
  readonly graceMs: number
  /** Name of the aggregation processor. */
  readonly processorName: string
}
