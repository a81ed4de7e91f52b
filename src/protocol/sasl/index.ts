export { SaslError } from './errors.js'
export { type PlainCredentials, plainInitialResponse } from './plain.js'
export {
  type ScramMechanism,
  type ScramClientFirst,
  type ScramServerFirst,
  type ScramClientFinal,
  type ScramClientOptions,
  SCRAM_MIN_ITERATIONS,
  SCRAM_MAX_ITERATIONS,
  ScramClient,
  saslName,
  scramNonce,
  scramClientFirst,
  parseScramServerFirst,
  scramClientFinal,
  scramSaltedPassword,
  verifyScramServerFinal,
} from './scram.js'
export { oauthBearerInitialResponse, oauthBearerServerError, OAUTHBEARER_ERROR_ACK } from './oauthbearer.js'
