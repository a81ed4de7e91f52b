// Connecting the CLI to Kafka from the common flags (--brokers, --client-id, -X, --config-file,
// KAFKA_CONNECT).
import { Client } from '../index.js'
import { clientOptions, type ConnectionFlags } from './client-config.js'

export type { ConnectionFlags } from './client-config.js'

/**
 * Connects with the brokers from --brokers, else bootstrap.servers, else $KAFKA_CONNECT, else
 * 127.0.0.1:9092. A refused or unresolvable address fails at once (the client's bootstrap treats
 * it as a definite answer); a silent one after CLI_BOOTSTRAP_TIMEOUT_MS.
 */
export async function connectClient(flags: ConnectionFlags): Promise<Client> {
  return Client.connect(await clientOptions(flags))
}
