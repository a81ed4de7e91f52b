// Connecting the CLI to Kafka from the common flags (--brokers, --client-id, KAFKA_CONNECT).
import { Client } from '../index.js'
import { parseBrokers } from './args.js'

/** The common connection flags as parsed by {@link parseCommandArgs}. */
export interface ConnectionFlags {
  brokers?: string
  'client-id'?: string
}

/** Connects with the brokers from --brokers, else $KAFKA_CONNECT, else 127.0.0.1:9092. */
export async function connectClient(flags: ConnectionFlags): Promise<Client> {
  return Client.connect({ brokers: parseBrokers(flags.brokers), clientId: flags['client-id'] ?? 'peridot-cli' })
}
