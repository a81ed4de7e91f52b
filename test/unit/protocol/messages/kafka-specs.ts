/**
 * Kafka's JSON message specs (`common/message/*.json`) as shipped inside the kafka-clients jar
 * of the Kafka version under test (PERIDOT_KAFKA_VERSION, default: the local broker's default),
 * taken from the same jar cache the local broker uses (fetched with Maven on first use).
 */
import { basename } from 'node:path'
import { DEFAULT_KAFKA_VERSION, ensureKafkaJars } from '../../../../src/dev/index.js'
import { readZipEntries } from './jar-zip.js'

/** The Kafka version whose specs the codecs are checked against. */
export const SPEC_KAFKA_VERSION = /^\d+\.\d+\.\d+$/.test(process.env.PERIDOT_KAFKA_VERSION ?? '')
  ? process.env.PERIDOT_KAFKA_VERSION!
  : DEFAULT_KAFKA_VERSION

async function loadSpecTexts(version: string): Promise<Map<string, string>> {
  const jars = await ensureKafkaJars(version)
  const jar = jars.find((j) => basename(j) === `kafka-clients-${version}.jar`)
  if (!jar) throw new Error(`kafka-clients-${version}.jar is not among the Kafka ${version} jars (${jars.length} jars)`)
  const entries = readZipEntries(jar, (name) => /^common\/message\/[^/]+\.json$/.test(name))
  const specs = new Map<string, string>()
  for (const [name, bytes] of entries) specs.set(basename(name, '.json'), bytes.toString('utf8'))
  if (specs.size === 0) throw new Error(`${jar} holds no common/message/*.json specs`)
  return specs
}

/** Spec name (e.g. `ProduceRequest`) -> JSON text with Kafka's // comment lines. */
export const SPEC_TEXTS: ReadonlyMap<string, string> = await loadSpecTexts(SPEC_KAFKA_VERSION)

/** Parses the spec `<name>.json` (whole-line // comments removed); throws if the jar has none. */
export function specJson<T>(name: string): T {
  const text = SPEC_TEXTS.get(name)
  if (text === undefined) throw new Error(`Kafka ${SPEC_KAFKA_VERSION}'s kafka-clients jar has no common/message/${name}.json`)
  return JSON.parse(
    text
      .split('\n')
      .filter((l) => !l.trimStart().startsWith('//'))
      .join('\n'),
  ) as T
}
