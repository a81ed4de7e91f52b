/**
 * Builds stream-stream joins into the topology (Kafka Streams' KStreamImpl.doJoin and
 * KStreamImplJoin), with Kafka Streams' names:
 *
 * - repartition topics first for a side whose key changed (`<name>-left` / `<name>-right` with a
 *   StreamJoined name, else the side's node name); left and outer joins keep null keys there;
 * - processors `KSTREAM-WINDOWED-n` (this), `KSTREAM-WINDOWED-n` (other), `KSTREAM-JOINTHIS-n`
 *   (outer join: `KSTREAM-OUTERTHIS-n`), `KSTREAM-JOINOTHER-n` (left and outer:
 *   `KSTREAM-OUTEROTHER-n`), `KSTREAM-MERGE-n`; with a StreamJoined name: `<name>-this-windowed`,
 *   `<name>-other-windowed`, `<name>-this-join` / `<name>-outer-this-join`, `<name>-other-join` /
 *   `<name>-outer-other-join`, `<name>-merge`;
 * - window stores `<join processor>-store` (with a store name: `<storeName>-this-join-store` etc.),
 *   retention = window size + grace, retainDuplicates, changelog `cleanup.policy=delete`;
 * - for left/outer joins the shared outer-join store `KSTREAM-OUTERSHARED-n-store` (n of the
 *   JOINTHIS/OUTERTHIS name; `<storeName>-left-shared-join-store` / `-outer-shared-join-store`).
 */
import type { Serde } from '../serde.js'
import { TopologyError } from '../errors.js'
import { StoreBuilder } from '../state/stores.js'
import { inMemoryKeyValueStore } from '../state/in-memory.js'
import { WindowStoreBuilder } from '../state/window-store-builders.js'
import { inMemoryWindowStore } from '../state/window-store-suppliers.js'
import type { WindowBytesStoreSupplier } from '../state/window-store.js'
import { Prefix } from '../topology/naming.js'
import { JoinWindows } from './join-windows.js'
import { addRepartition, KStream } from './kstream.js'
import { LeftOrRightValueListSerde, TimestampedKeyAndJoinSideSerde } from './outer-join-store.js'
import { PassThrough } from './processors.js'
import { JoinWindowProcessor, StreamStreamJoinProcessor, TimeTrackers, type SideJoiner } from './stream-stream-join-processors.js'

/** Serdes, names, stores and changelog settings of a stream-stream join (Kafka Streams' `StreamJoined`). */
export interface StreamJoined<K, V, VO> {
  /** Key serde of the join stores and repartition topics (default: this stream's, else the app's). */
  key?: Serde<K>
  /** Value serde of this stream's records (default: this stream's, else the app's). */
  value?: Serde<V>
  /** Value serde of the other stream's records (default: that stream's, else the app's). */
  otherValue?: Serde<VO>
  /** Names the processors (`<name>-this-join`, ...) and repartition topics (`<name>-left`, `<name>-right`). */
  name?: string
  /** Base name of the stores: `<storeName>-this-join-store`, `<storeName>-other-join-store`, ... (and their changelogs). */
  storeName?: string
  /** Window store for this stream's records; must retain duplicates, retention = size + grace, size = before + after. */
  thisStoreSupplier?: WindowBytesStoreSupplier
  /** Window store for the other stream's records (same rules). */
  otherStoreSupplier?: WindowBytesStoreSupplier
  /** Default true: the stores are logged to changelog topics. */
  loggingEnabled?: boolean
  /** Topic configs of the stores' changelog topics. */
  changelogConfig?: globalThis.Record<string, string>
}

/** The three stream-stream join kinds. */
export type StreamStreamJoinKind = 'inner' | 'left' | 'outer'

/** Kafka Streams' name prefixes of stream-stream joins. */
const JoinPrefix = {
  WINDOWED: 'KSTREAM-WINDOWED-',
  JOINTHIS: 'KSTREAM-JOINTHIS-',
  JOINOTHER: 'KSTREAM-JOINOTHER-',
  OUTERTHIS: 'KSTREAM-OUTERTHIS-',
  OUTEROTHER: 'KSTREAM-OUTEROTHER-',
  OUTERSHARED: 'KSTREAM-OUTERSHARED-',
} as const

function checkSupplier(supplier: WindowBytesStoreSupplier, windows: JoinWindows): void {
  if (!supplier.retainDuplicates) {
    throw new TopologyError(`store '${supplier.name}': the StoreSupplier must set retainDuplicates=true, found retainDuplicates=false`)
  }
  if (supplier.retentionPeriod !== windows.size() + windows.gracePeriodMs() || supplier.windowSize !== windows.size()) {
    throw new TopologyError(
      `store '${supplier.name}': window settings mismatch: retention ${supplier.retentionPeriod} and window size ${supplier.windowSize} must match ` +
        `${windows.toString()} (retention = size + grace = ${windows.size() + windows.gracePeriodMs()}, size = before + after = ${windows.size()})`,
    )
  }
}

/** @internal Adds a stream-stream join of `left` and `right`; `joiner(leftValue, rightValue, key)`. */
export function joinStreams<K, V, VO, VR>(
  leftIn: KStream<K, V>,
  rightIn: KStream<K, VO>,
  joiner: (value: V, otherValue: VO, key: K) => VR,
  windows: JoinWindows,
  sj: StreamJoined<K, V, VO>,
  kind: StreamStreamJoinKind,
): KStream<K, VR> {
  if (typeof joiner !== 'function') throw new TopologyError('joiner must be a function')
  if (!(windows instanceof JoinWindows)) {
    throw new TopologyError('a stream-stream join needs JoinWindows (JoinWindows.ofTimeDifferenceWithNoGrace / ofTimeDifferenceAndGrace)')
  }
  if (sj.thisStoreSupplier !== undefined && sj.otherStoreSupplier !== undefined && sj.thisStoreSupplier.name === sj.otherStoreSupplier.name) {
    throw new TopologyError('Both StoreSuppliers have the same name. StoreSuppliers must provide unique names')
  }
  const b = leftIn.b
  const leftOuter = kind !== 'inner'
  const rightOuter = kind === 'outer'
  const keySerde = sj.key ?? leftIn.keySerde ?? rightIn.keySerde
  const valueSerde = sj.value ?? leftIn.valueSerde
  const otherValueSerde = sj.otherValue ?? rightIn.valueSerde
  const name = sj.name

  // Repartition a side whose key changed; left and outer joins keep null-key records (Kafka
  // Streams 3.7+: they produce results), marked below.
  let left: KStream<K, V> = leftIn
  if (leftIn.repartitionRequired) {
    const source = addRepartition(b, leftIn.name, name !== undefined ? `${name}-left` : leftIn.name, keySerde as Serde<unknown>, valueSerde as Serde<unknown>)
    left = new KStream<K, V>(b, source, keySerde, valueSerde, new Set([source]), false)
  }
  let right: KStream<K, VO> = rightIn
  if (rightIn.repartitionRequired) {
    const source = addRepartition(b, rightIn.name, name !== undefined ? `${name}-right` : rightIn.name, keySerde as Serde<unknown>, otherValueSerde as Serde<unknown>)
    right = new KStream<K, VO>(b, source, keySerde, otherValueSerde, new Set([source]), false)
  }
  const sources = new Set([...left.sourceNodes, ...right.sourceNodes])
  b.topology.copartition(sources)

  // Names, in Kafka Streams' order of index use.
  const thisWindowedName = name !== undefined ? `${name}-this-windowed` : b.names.processorName(JoinPrefix.WINDOWED)
  const otherWindowedName = name !== undefined ? `${name}-other-windowed` : b.names.processorName(JoinPrefix.WINDOWED)
  const joinThisGenerated = b.names.processorName(rightOuter ? JoinPrefix.OUTERTHIS : JoinPrefix.JOINTHIS)
  const joinOtherGenerated = b.names.processorName(leftOuter ? JoinPrefix.OUTEROTHER : JoinPrefix.JOINOTHER)
  const thisSuffix = rightOuter ? '-outer-this-join' : '-this-join'
  const otherSuffix = leftOuter ? '-outer-other-join' : '-other-join'
  const joinThisName = name !== undefined ? name + thisSuffix : joinThisGenerated
  const joinOtherName = name !== undefined ? name + otherSuffix : joinOtherGenerated
  const mergeName = name !== undefined ? `${name}-merge` : b.names.processorName(Prefix.MERGE)

  const retentionMs = windows.size() + windows.gracePeriodMs()
  // Kafka Streams overrides the window changelogs' policy: duplicates must not be compacted away.
  const windowChangelogConfig = { ...sj.changelogConfig, 'cleanup.policy': 'delete' }
  const windowStore = <VS>(supplier: WindowBytesStoreSupplier | undefined, generated: string, suffix: string, vSerde: Serde<VS> | undefined): WindowStoreBuilder<K, VS> => {
    if (supplier !== undefined) checkSupplier(supplier, windows)
    const s = supplier ?? inMemoryWindowStore(`${sj.storeName !== undefined ? sj.storeName + suffix : generated}-store`, retentionMs, windows.size(), true)
    const builder = new WindowStoreBuilder<K, VS>(s, keySerde, vSerde, false)
    // A given supplier gets a plain window store builder: default changelog settings (Kafka Streams).
    if (supplier !== undefined) return builder
    return sj.loggingEnabled === false ? builder.withLoggingDisabled() : builder.withLoggingEnabled(windowChangelogConfig)
  }
  const thisStore = windowStore(sj.thisStoreSupplier, joinThisGenerated, thisSuffix, valueSerde)
  const otherStore = windowStore(sj.otherStoreSupplier, joinOtherGenerated, otherSuffix, otherValueSerde)

  let outerStore: StoreBuilder<unknown, unknown> | undefined
  if (leftOuter) {
    const outerSuffix = rightOuter ? '-outer-shared-join' : '-left-shared-join'
    const base =
      sj.thisStoreSupplier !== undefined && sj.thisStoreSupplier.name !== ''
        ? sj.thisStoreSupplier.name + outerSuffix
        : sj.storeName !== undefined
          ? sj.storeName + outerSuffix
          : JoinPrefix.OUTERSHARED + joinThisGenerated.slice((rightOuter ? JoinPrefix.OUTERTHIS : JoinPrefix.JOINTHIS).length)
    const builder = new StoreBuilder<unknown, unknown>(
      inMemoryKeyValueStore(`${base}-store`),
      new TimestampedKeyAndJoinSideSerde(keySerde) as Serde<unknown>,
      new LeftOrRightValueListSerde(valueSerde, otherValueSerde) as Serde<unknown>,
    )
    outerStore = sj.loggingEnabled === false ? builder.withLoggingDisabled() : builder.withLoggingEnabled(sj.changelogConfig ?? {})
  }

  const trackers = new TimeTrackers()
  const userJoiner = joiner as unknown as SideJoiner
  const reversed: SideJoiner = (otherValue, thisValue, key) => userJoiner(thisValue, otherValue, key)
  const common = { windows, outerStoreName: outerStore?.name, trackers }
  const topology = b.topology
  topology.addProcessor(thisWindowedName, () => new JoinWindowProcessor(thisStore.name, retentionMs), left.name)
  topology.addProcessor(otherWindowedName, () => new JoinWindowProcessor(otherStore.name, retentionMs), right.name)
  topology.addProcessor(joinThisName, () => new StreamStreamJoinProcessor({ ...common, leftSide: true, otherStoreName: otherStore.name, joiner: userJoiner, outer: leftOuter }), thisWindowedName)
  topology.addProcessor(joinOtherName, () => new StreamStreamJoinProcessor({ ...common, leftSide: false, otherStoreName: thisStore.name, joiner: reversed, outer: rightOuter }), otherWindowedName)
  topology.addProcessor(mergeName, () => new PassThrough(), joinThisName, joinOtherName)
  if (leftOuter) b.nullKeyJoins.joinsNullKeys(mergeName)
  topology.addStateStore(thisStore, thisWindowedName, joinOtherName)
  topology.addStateStore(otherStore, otherWindowedName, joinThisName)
  if (outerStore !== undefined) topology.addStateStore(outerStore, joinThisName, joinOtherName)

  // No value serde for the result; the key serde as the stores'.
  return new KStream<K, VR>(b, mergeName, keySerde, undefined, sources, false)
}
