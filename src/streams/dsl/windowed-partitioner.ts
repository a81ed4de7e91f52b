/**
 * Kafka Streams' WindowedStreamPartitioner: a sink whose key serde is a windowed serde (and that
 * has no partitioner of its own) partitions by the inner key's bytes, as the producer would
 * partition the plain key, so all windows of a key land in the key's partition.
 */
import { partitionForKey } from '../../client/partitioner.js'
import type { Serde } from '../serde.js'
import type { StreamPartitioner } from '../topology/topology.js'
import type { Windowed } from '../windowed.js'

/** @internal The inner serde of a windowed key serde (`WindowedSerdes`), or undefined for other serdes. */
export function windowedInnerSerde(serde: Serde<unknown>): Serde<unknown> | undefined {
  const inner = (serde as { windowedInner?: Serde<unknown> }).windowedInner
  return inner !== undefined && typeof inner.serialize === 'function' ? inner : undefined
}

/** @internal The partitioner of a sink with a windowed key serde, or undefined for other serdes. */
export function windowedStreamPartitioner(keySerde: Serde<unknown>): StreamPartitioner<unknown, unknown> | undefined {
  const inner = windowedInnerSerde(keySerde)
  if (inner === undefined) return undefined
  return (topic, key, _value, numPartitions) => {
    const bytes = inner.serialize(topic, (key as Windowed<unknown>).key)
    return bytes === null ? undefined : partitionForKey(bytes, numPartitions)
  }
}
