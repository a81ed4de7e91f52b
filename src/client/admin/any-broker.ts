/**
 * Sending an admin request to whichever broker is at hand: requests that any broker answers
 * (ACLs, quotas, SCRAM credentials, features) or forwards to the KRaft controller (elections,
 * reassignments). Retriable failures are retried, on another connection when the first died.
 */
import { KafkaProtocolError } from '../../protocol/errors.js'
import type { ApiDefinition } from '../../protocol/messages/api.js'
import type { Cluster } from '../cluster.js'
import { UnsupportedVersionError } from '../errors.js'
import { withRetry } from '../retry.js'

/**
 * Sends `req` to any broker, retrying retriable failures (including a retriable top-level
 * error code, which `topLevel` extracts from the response; a non-retriable one is thrown).
 * A broker without `api` in `minVersion`+ fails with an UnsupportedVersionError naming the
 * Kafka version (`since`) that added it.
 */
export async function anyBrokerRequest<Req, Res>(
  cluster: Cluster,
  api: ApiDefinition<Req, Res>,
  req: Req,
  since: string,
  topLevel: (res: Res) => { errorCode: number; errorMessage: string | null } = () => ({ errorCode: 0, errorMessage: null }),
  minVersion = api.minVersion,
): Promise<Res> {
  return withRetry(async () => {
    const conn = await cluster.anyBroker()
    const generic = api as ApiDefinition<unknown, unknown>
    if (!conn.supports(generic) || conn.version(generic) < minVersion) {
      throw new UnsupportedVersionError(`${api.name} v${minVersion}+ is not supported by broker ${conn.address} (needs Kafka ${since}+)`)
    }
    const res = await conn.request(api, req)
    const { errorCode, errorMessage } = topLevel(res)
    if (errorCode !== 0) throw new KafkaProtocolError(errorCode, errorMessage ?? api.name)
    return res
  }, cluster.options.retry)
}
