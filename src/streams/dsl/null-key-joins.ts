/**
 * Which repartition topics keep records with a null key, decided as Kafka Streams (3.7+, KIP-962)
 * decides it when it builds the topology: a left or outer join (stream-table, stream-global table,
 * stream-stream) joins a null-key record with null, so every repartition with such a join anywhere
 * downstream lets null keys through; every other repartition drops them in its filter node (the
 * `...-repartition-filter` / `KSTREAM-FILTER-n` node in front of the repartition sink).
 *
 * The DSL adds a repartition before it knows what comes after it, so the filter processor reads
 * its decision when the task creates it, after {@link NullKeyJoins.resolve} ran at build time.
 */
import type { ProcessorSupplier } from '../processor.js'
import type { Topology } from '../topology/topology.js'
import { NullKeyFilter, PassThrough } from './processors.js'

/** @internal The repartition filters and null-key joins of one StreamsBuilder. */
export class NullKeyJoins {
  /** Repartition filter node name -> whether it keeps null keys. */
  readonly #filters = new Map<string, { keep: boolean }>()
  /** Nodes of left and outer joins, which join null keys. */
  readonly #joins = new Set<string>()

  /** The supplier of repartition filter node `name`: drops null keys unless a null-key join is downstream. */
  filter(name: string): ProcessorSupplier<unknown, unknown, unknown, unknown> {
    const decision = { keep: false }
    this.#filters.set(name, decision)
    return () => (decision.keep ? new PassThrough() : new NullKeyFilter())
  }

  /** Marks node `name` as a join that joins null-key records (a left or outer join). */
  joinsNullKeys(name: string): void {
    this.#joins.add(name)
  }

  /**
   * Decides every filter: it keeps null keys when a marked join is reachable from it, following
   * children and, from a sink writing a repartition topic, the sources reading that topic.
   */
  resolve(topology: Topology): void {
    const readers = new Map<string, string[]>()
    for (const node of topology.nodes.values()) {
      if (node.kind !== 'source') continue
      for (const t of node.topics) if (topology.repartitionTopics.has(t)) readers.set(t, [...(readers.get(t) ?? []), node.name])
    }
    const reaches = new Map<string, boolean>()
    const visit = (name: string): boolean => {
      const known = reaches.get(name)
      if (known !== undefined) return known
      reaches.set(name, false) // a cycle (not built by the DSL) reaches nothing new
      const node = topology.nodes.get(name)
      let found = this.#joins.has(name)
      if (node !== undefined && !found) {
        const next = node.kind === 'sink' && typeof node.topic === 'string' ? [...node.children, ...(readers.get(node.topic) ?? [])] : node.children
        found = next.some(visit)
      }
      reaches.set(name, found)
      return found
    }
    for (const [name, decision] of this.#filters) decision.keep = visit(name)
  }
}
