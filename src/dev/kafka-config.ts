// server.properties and logging config for combined KRaft nodes on 127.0.0.1 (one, or several forming a cluster).
import { randomBytes } from 'node:crypto'
import { kafkaMajor } from './maven.js'

/** Inputs for {@link serverProperties}. */
export interface NodeConfig {
  version: string
  host: string
  port: number
  controllerPort: number
  logDir: string
  /** Extra or overriding broker configs, applied last. */
  overrides?: Record<string, string>
}

/**
 * Broker configs for a one-node KRaft cluster (broker + controller in one JVM).
 * The quorum is static (`controller.quorum.voters`), so storage is formatted without
 * `--standalone` on both 3.x and 4.x, and the controller port may change between restarts.
 */
export function serverProperties(cfg: NodeConfig): Record<string, string> {
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@${cfg.host}:${cfg.controllerPort}`,
    listeners: `PLAINTEXT://${cfg.host}:${cfg.port},CONTROLLER://${cfg.host}:${cfg.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${cfg.host}:${cfg.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': cfg.logDir,
    'num.partitions': '1',
    'default.replication.factor': '1',
    // One node: every internal topic must be satisfiable with a single replica.
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '1',
    'min.insync.replicas': '1',
    // Tests join and leave groups constantly; the default 3 s delay only slows them down.
    'group.initial.rebalance.delay.ms': '0',
    // Unknown topics must surface as UNKNOWN_TOPIC_OR_PARTITION, not be created silently.
    'auto.create.topics.enable': 'false',
    'delete.topic.enable': 'true',
    // Small footprint: few threads, small segments, quick cleanup of deleted data.
    'num.network.threads': '2',
    'num.io.threads': '4',
    'log.segment.bytes': String(64 * 1024 * 1024),
    'log.retention.check.interval.ms': '30000',
    'log.cleaner.dedupe.buffer.size': String(8 * 1024 * 1024),
  }
  if (kafkaMajor(cfg.version) >= 4) {
    // group.coordinator.rebalance.protocols is left at its default: 4.x already enables classic
    // and consumer (KIP-848) groups, it is deprecated since 4.3, and setting it would turn off
    // newer protocols (streams groups).
    props['share.coordinator.state.topic.replication.factor'] = '1'
    props['share.coordinator.state.topic.min.isr'] = '1'
    // One partition, as for the other internal topics: the first share group on a fresh broker
    // otherwise waits for 50 partitions of __share_group_state to be created.
    props['share.coordinator.state.topic.num.partitions'] = '1'
    // Share groups (KIP-932) are on by default from 4.2 (share.version is finalized at format
    // time). The lowest acquisition lock a group may set (share.record.lock.duration.ms) is 15 s
    // by default; tests of lock expiry set a short one. The default lock (30 s) is unchanged.
    props['group.share.min.record.lock.duration.ms'] = '1000'
    // Likewise for KIP-848 consumer groups: the lowest session timeout and heartbeat interval a
    // group may set (consumer.session.timeout.ms / consumer.heartbeat.interval.ms group configs)
    // are 45 s and 5 s by default, so a test of a session outlived would wait a minute. The
    // broker-wide defaults (45 s, 5 s) are unchanged.
    props['group.consumer.min.session.timeout.ms'] = '1000'
    props['group.consumer.min.heartbeat.interval.ms'] = '500'
  }
  return { ...props, ...(cfg.overrides ?? {}) }
}

/** Inputs for {@link clusterNodeProperties}: one node of a multi-node cluster. */
export interface ClusterNodeConfig extends NodeConfig {
  nodeId: number
  /** `id@host:controllerPort` of every node: the static KRaft quorum (every node is a voter). */
  voters: string
  /** Number of nodes, which caps the replication factor of internal topics. */
  nodes: number
  /** `broker.rack` of this node. */
  rack?: string
}

/**
 * Configs of one combined broker+controller node of a local multi-node cluster: the single-node
 * configs with this node's id, the shared static quorum, internal topics replicated on up to three
 * nodes with a min ISR of two (so one node may die without stopping groups or transactions), and
 * short broker session timeouts so a killed node's partitions move within a few seconds.
 */
export function clusterNodeProperties(cfg: ClusterNodeConfig): Record<string, string> {
  const rf = String(Math.min(3, cfg.nodes))
  const minIsr = String(Math.min(2, cfg.nodes))
  const props: Record<string, string> = {
    ...serverProperties({ ...cfg, overrides: undefined }),
    'node.id': String(cfg.nodeId),
    'controller.quorum.voters': cfg.voters,
    'default.replication.factor': rf,
    'offsets.topic.replication.factor': rf,
    'transaction.state.log.replication.factor': rf,
    'transaction.state.log.min.isr': minIsr,
    // Killed nodes are fenced after 3 s instead of 9 (leader failover 2.9 s instead of 9.5 s here).
    'broker.session.timeout.ms': '3000',
    'broker.heartbeat.interval.ms': '500',
    // A restarted node takes back its partitions quickly (default: checked every 300 s).
    'leader.imbalance.check.interval.seconds': '5',
  }
  if (kafkaMajor(cfg.version) >= 4) {
    props['share.coordinator.state.topic.replication.factor'] = rf
    props['share.coordinator.state.topic.min.isr'] = minIsr
  }
  if (cfg.rack !== undefined) props['broker.rack'] = cfg.rack
  return { ...props, ...(cfg.overrides ?? {}) }
}

/** Renders a properties map in Java `.properties` syntax. */
export function renderProperties(props: Record<string, string>): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
  const lines = Object.entries(props).map(([k, v]) => `${esc(k)}=${esc(v)}`)
  return `# Generated by peridot on every start; edit serverProperties options instead.\n${lines.join('\n')}\n`
}

/**
 * A new random cluster id in Kafka's Uuid text form (22 chars of unpadded base64url). Like
 * Kafka's own generator it never starts with '-', which command-line parsers would take for a flag.
 */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

/** Logging config that writes to stdout (redirected to broker.log). Returns file name and text. */
export function loggingConfig(version: string): { fileName: string; jvmFlag: (path: string) => string; text: string } {
  // Chatty loggers at WARN: the request and state-change logs dwarf everything else in tests.
  const quiet = [
    'org.apache.kafka.common.config.AbstractConfig', // dumps every config of every component
    'kafka.server.KafkaConfig',
    'kafka.request.logger',
    'state.change.logger',
    'kafka.log.LogCleaner',
    'org.apache.kafka.storage.internals.log',
    'kafka.log',
    'org.apache.kafka.controller',
    'kafka.coordinator',
    'org.apache.kafka.coordinator',
    'org.apache.kafka.metadata',
    'org.apache.kafka.image',
    'kafka.server.metadata',
    'org.apache.kafka.raft',
    'kafka.raft',
  ]
  if (kafkaMajor(version) >= 4) {
    const loggers = quiet.map((n) => `    <Logger name="${n}" level="WARN"/>`).join('\n')
    return {
      fileName: 'log4j2.xml',
      jvmFlag: (p) => `-Dlog4j2.configurationFile=${p}`,
      text: `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="STDOUT" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
${loggers}
    <Root level="INFO"><AppenderRef ref="STDOUT"/></Root>
  </Loggers>
</Configuration>
`,
    }
  }
  return {
    fileName: 'log4j.properties',
    jvmFlag: (p) => `-Dlog4j.configuration=file:${p}`,
    text: [
      'log4j.rootLogger=INFO, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      ...quiet.map((n) => `log4j.logger.${n}=WARN`),
      '',
    ].join('\n'),
  }
}
