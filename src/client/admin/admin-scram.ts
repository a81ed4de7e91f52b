/**
 * SCRAM user administration (KIP-554): DescribeUserScramCredentials and
 * AlterUserScramCredentials, sent to any broker (forwarded to the KRaft controller). The
 * password never leaves the client: it is salted and hashed here (RFC 5802 Hi()) and only the
 * salt, iteration count and salted password are sent, as the Java admin client does.
 */
import { randomBytes } from 'node:crypto'
import { InvalidArgumentError, KafkaProtocolError } from '../../protocol/errors.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { AlterUserScramCredentials } from '../../protocol/messages/alter-user-scram-credentials.js'
import { DescribeUserScramCredentials, ScramMechanismCode } from '../../protocol/messages/describe-user-scram-credentials.js'
import { SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS, scramSaltedPassword, type ScramMechanism } from '../../protocol/sasl/scram.js'
import type { Cluster } from '../cluster.js'
import { anyBrokerRequest } from './any-broker.js'

/** A user's credential for one mechanism, as described (the secret is never returned). */
export interface ScramCredentialInfo {
  mechanism: ScramMechanism
  iterations: number
}

/** A user with SCRAM credentials. */
export interface UserScramCredentialsDescription {
  user: string
  credentials: ScramCredentialInfo[]
}

/** Creates or replaces a user's credential for one mechanism. */
export interface ScramCredentialUpsert {
  user: string
  mechanism: ScramMechanism
  password: string
  /** PBKDF2 iterations, 4096 (the default) to 16384, Kafka's accepted range. */
  iterations?: number
}

/** Removes a user's credential for one mechanism. */
export interface ScramCredentialDelete {
  user: string
  mechanism: ScramMechanism
  delete: true
}

/** One change for {@link Admin.alterUserScramCredentials}. */
export type ScramCredentialAlteration = ScramCredentialUpsert | ScramCredentialDelete

const MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512']
const MECHANISM_NAMES = new Map<number, ScramMechanism>(MECHANISMS.map((m) => [ScramMechanismCode[m], m]))
/** Salt length: Kafka's own credential tool uses a random salt of this size too. */
const SALT_BYTES = 32

function checkUser(user: unknown): string {
  if (typeof user !== 'string' || user === '') throw new InvalidArgumentError('a SCRAM user name must be a non-empty string')
  return user
}

function mechanismCode(m: unknown): number {
  if (!MECHANISMS.includes(m as ScramMechanism)) throw new InvalidArgumentError(`SCRAM mechanism must be 'SCRAM-SHA-256' or 'SCRAM-SHA-512', got ${JSON.stringify(m)}`)
  return ScramMechanismCode[m as ScramMechanism]
}

/**
 * SCRAM credentials of the given users (default: every user that has one), sorted by user.
 * A named user without credentials fails with RESOURCE_NOT_FOUND naming the user.
 */
export async function describeUserScramCredentials(cluster: Cluster, users?: readonly string[]): Promise<UserScramCredentialsDescription[]> {
  if (users !== undefined && !Array.isArray(users)) throw new InvalidArgumentError('describeUserScramCredentials users must be an array of user names')
  users?.forEach(checkUser)
  const res = await anyBrokerRequest(
    cluster,
    DescribeUserScramCredentials,
    { users: users === undefined || users.length === 0 ? null : [...new Set(users)].map((name) => ({ name })) },
    '2.7',
    (r) => r,
  )
  const out: UserScramCredentialsDescription[] = []
  for (const r of res.results) {
    if (r.errorCode !== 0) throw new KafkaProtocolError(r.errorCode, `SCRAM credentials of user '${r.user}': ${r.errorMessage ?? 'not described'}`)
    out.push({
      user: r.user,
      credentials: r.credentialInfos
        .filter((c) => MECHANISM_NAMES.has(c.mechanism))
        .map((c) => ({ mechanism: MECHANISM_NAMES.get(c.mechanism)!, iterations: c.iterations }))
        .sort((a, b) => (a.mechanism < b.mechanism ? -1 : a.mechanism > b.mechanism ? 1 : 0)),
    })
  }
  return out.sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0))
}

/**
 * Creates, replaces and removes SCRAM credentials. A KRaft controller refuses two changes of one
 * user in one request (DUPLICATE_RESOURCE), so changes of the same user (e.g. both mechanisms)
 * go in consecutive requests; each request is applied whole or not at all for a user. Throws the
 * first user's refusal, e.g. RESOURCE_NOT_FOUND when deleting a credential that does not exist.
 */
export async function alterUserScramCredentials(cluster: Cluster, alterations: readonly ScramCredentialAlteration[]): Promise<void> {
  if (!Array.isArray(alterations) || alterations.length === 0) throw new InvalidArgumentError('alterUserScramCredentials needs a non-empty array of alterations')
  type Deletion = { name: string; mechanism: number }
  type Upsertion = Deletion & { iterations: number; salt: Buffer; saltedPassword: Buffer }
  const rounds: Array<{ deletions: Deletion[]; upsertions: Upsertion[]; users: Set<string> }> = []
  const seen = new Set<string>()
  for (const a of alterations) {
    if (!a || typeof a !== 'object') throw new InvalidArgumentError('a SCRAM credential alteration must be an object')
    const name = checkUser(a.user)
    const mechanism = mechanismCode(a.mechanism)
    const key = `${a.mechanism}\u0000${name}`
    if (seen.has(key)) throw new InvalidArgumentError(`the ${a.mechanism} credential of '${name}' is altered twice`)
    seen.add(key)
    let round = rounds.find((r) => !r.users.has(name))
    if (!round) rounds.push((round = { deletions: [], upsertions: [], users: new Set() }))
    round.users.add(name)
    if ('delete' in a) {
      if (a.delete !== true) throw new InvalidArgumentError(`SCRAM deletion for '${name}' must have delete: true`)
      round.deletions.push({ name, mechanism })
      continue
    }
    if (typeof a.password !== 'string' || a.password === '') throw new InvalidArgumentError(`SCRAM password for '${name}' must be a non-empty string`)
    const iterations = a.iterations ?? SCRAM_MIN_ITERATIONS
    if (!Number.isInteger(iterations) || iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
      throw new InvalidArgumentError(`SCRAM iterations for '${name}' must be an integer from ${SCRAM_MIN_ITERATIONS} to ${SCRAM_MAX_ITERATIONS}, got ${String(a.iterations)}`)
    }
    const salt = randomBytes(SALT_BYTES)
    round.upsertions.push({ name, mechanism, iterations, salt, saltedPassword: scramSaltedPassword(a.mechanism, a.password, salt, iterations) })
  }
  for (const { deletions, upsertions, users } of rounds) {
    const res = await anyBrokerRequest(cluster, AlterUserScramCredentials, { deletions, upsertions }, '2.7')
    for (const r of res.results) {
      if (r.errorCode !== 0) throw new KafkaProtocolError(r.errorCode, `SCRAM credentials of user '${r.user}': ${r.errorMessage ?? 'refused'}`)
    }
    const answered = new Set(res.results.map((r) => r.user))
    const missing = [...users].find((u) => !answered.has(u))
    if (missing !== undefined) throw new KafkaProtocolError(ErrorCode.UNKNOWN_SERVER_ERROR, `alter SCRAM credentials response without user '${missing}'`)
  }
}
