/**
 * Topology description in Kafka Streams' TopologyDescription text format, so output reads the
 * same as Java's (`Sub-topology: 0`, `Source: ... (topics: [...])`, `--> child`, `<-- parent`).
 */
import type { Topology, TopologyNode } from './topology.js'

/** One node as described. */
export interface NodeDescription {
  readonly type: 'source' | 'processor' | 'sink'
  readonly name: string
  /** Source topics (or `[pattern]` for a RegExp source). */
  readonly topics?: readonly string[]
  readonly topicPattern?: string
  readonly stores?: readonly string[]
  /** Sink topic (absent for a dynamic sink). */
  readonly topic?: string
  readonly successors: readonly string[]
  readonly predecessors: readonly string[]
}

/** One sub-topology as described. */
export interface SubtopologyDescription {
  readonly id: number
  readonly global: boolean
  readonly nodes: readonly NodeDescription[]
}

/** The whole topology; `toString()` gives Java's text form. */
export interface TopologyDescription {
  readonly subtopologies: readonly SubtopologyDescription[]
  toString(): string
}

export function describeTopology(topology: Topology): TopologyDescription {
  const subtopologies = topology.subtopologies().map((sub): SubtopologyDescription => {
    const members = new Set(sub.nodes)
    // Java orders nodes by the size of their sub-tree (largest first), then by name.
    const size = new Map<string, number>()
    const sizeOf = (n: string, seen: Set<string>): number => {
      const known = size.get(n)
      if (known !== undefined) return known
      seen.add(n)
      let s = 1
      for (const c of (topology.nodes.get(n) as TopologyNode).children) if (members.has(c) && !seen.has(c)) s += sizeOf(c, seen)
      size.set(n, s)
      return s
    }
    for (const n of sub.nodes) sizeOf(n, new Set())
    const order = (a: string, b: string): number => (size.get(b) as number) - (size.get(a) as number) || (a < b ? -1 : a > b ? 1 : 0)
    const nodes = [...sub.nodes].sort(order).map((n): NodeDescription => {
      const node = topology.nodes.get(n) as TopologyNode
      const successors = [...node.children].sort(order)
      const predecessors = [...node.parents].sort(order)
      if (node.kind === 'source') {
        return node.pattern !== null
          ? { type: 'source', name: n, topicPattern: node.pattern.source, successors, predecessors }
          : { type: 'source', name: n, topics: node.topics, successors, predecessors }
      }
      if (node.kind === 'processor') return { type: 'processor', name: n, stores: node.stores, successors, predecessors }
      return typeof node.topic === 'string'
        ? { type: 'sink', name: n, topic: node.topic, successors, predecessors }
        : { type: 'sink', name: n, successors, predecessors }
    })
    return { id: sub.id, global: sub.global, nodes }
  })
  return { subtopologies, toString: () => formatDescription(subtopologies) }
}

const names = (list: readonly string[]): string => (list.length === 0 ? 'none' : list.join(', '))

function formatNode(n: NodeDescription): string {
  switch (n.type) {
    case 'source':
      return `Source: ${n.name} (${n.topicPattern !== undefined ? `topicPattern: ${n.topicPattern}` : `topics: [${(n.topics ?? []).join(', ')}]`})\n      --> ${names(n.successors)}`
    case 'processor':
      return `Processor: ${n.name} (stores: [${(n.stores ?? []).join(', ')}])\n      --> ${names(n.successors)}\n      <-- ${names(n.predecessors)}`
    case 'sink':
      return `Sink: ${n.name} (${n.topic !== undefined ? `topic: ${n.topic}` : 'extractor class: TopicNameExtractor'})\n      <-- ${names(n.predecessors)}`
  }
}

function formatDescription(subs: readonly SubtopologyDescription[]): string {
  // Java's layout: one space after the heading, then two before every sub-topology, so only the
  // first is indented by three (Kafka Streams 4.3.1 prints "   Sub-topology: 0" and "  Sub-topology: 1").
  let out = 'Topologies:\n '
  for (const s of subs) {
    out += `  Sub-topology: ${s.id}${s.global ? ' for global store (will not generate tasks)' : ''}\n`
    for (const n of s.nodes) out += `    ${formatNode(n)}\n`
    out += '\n'
  }
  return out
}
