// Imports shared by the idempotent-producer and transactions tests.
export { Client, ProduceOutcomeUnknownError } from '../../src/index.js'
export { parseBrokerAddress as parseBrokerAddressForTest } from '../../src/client/cluster.js'
