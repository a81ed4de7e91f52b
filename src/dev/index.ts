/**
 * Local Apache Kafka for development and tests: a single-node KRaft broker run from pinned
 * Maven Central jars on Java 17+, no Docker needed.
 *
 * @example
 * ```ts
 * import { startLocalBroker } from 'peridot-kafka/dev'
 * const broker = await startLocalBroker({ port: 9092, onProgress: console.log })
 * console.log(broker.bootstrap) // 127.0.0.1:9092
 * await broker.stop()
 * ```
 * @module
 */
export {
  DEFAULT_KAFKA_VERSION,
  DEFAULT_PORT,
  KAFKA_3_VERSION,
  localBrokerStatus,
  resolveDataDir,
  startLocalBroker,
  stopLocalBroker,
  type LocalBroker,
  type LocalBrokerOptions,
  type LocalBrokerStatus,
  type ScramCredential,
} from './broker.js'
export { defaultCacheDir, ensureKafkaJars, type EnsureJarsOptions } from './maven.js'
export { checkJava, MIN_JAVA_VERSION } from './java.js'
export { findFreePort, isKafkaAnswering, isPortFree, probeKafka, type ProbeResult } from './probe.js'
export { DevToolError } from './process.js'
export {
  localClusterStatus,
  resolveClusterDir,
  startLocalCluster,
  stopLocalCluster,
  type LocalCluster,
  type LocalClusterNode,
  type LocalClusterNodeStatus,
  type LocalClusterOptions,
  type LocalClusterStatus,
} from './cluster.js'
