// Locates a Java 17+ runtime for the broker.
import { join } from 'node:path'
import { DevToolError, run } from './process.js'

/** Minimum Java feature version for Kafka 4.x brokers (3.9 also runs on it). */
export const MIN_JAVA_VERSION = 17

const HOW_TO_FIX =
  `Install OpenJDK ${MIN_JAVA_VERSION}+ (e.g. \`apt-get install openjdk-17-jre-headless\` or ` +
  '`brew install openjdk@17`) or set JAVA_HOME to a JDK 17+ installation.'

/** Path of the `java` executable: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` on PATH. */
export function javaExecutable(): string {
  const home = process.env.JAVA_HOME
  return home ? join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java') : 'java'
}

/** Parses the feature version from `java -version` output (`"17.0.15"` → 17, `"1.8.0_392"` → 8). */
export function parseJavaVersion(output: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(output)
  if (!m) return undefined
  const first = Number(m[1])
  return first === 1 && m[2] !== undefined ? Number(m[2]) : first
}

/**
 * Verifies that Java 17+ is available and returns the executable to use.
 * @throws DevToolError with installation advice when java is missing or too old.
 */
export async function checkJava(): Promise<string> {
  const java = javaExecutable()
  let output: string
  try {
    const r = await run(java, ['-version'])
    output = r.stderr + r.stdout
  } catch {
    throw new DevToolError(`Java was not found (tried "${java}"). The local Kafka broker needs Java ${MIN_JAVA_VERSION}+. ${HOW_TO_FIX}`)
  }
  const version = parseJavaVersion(output)
  if (version === undefined) {
    throw new DevToolError(`Could not determine the Java version from "${java} -version". ${HOW_TO_FIX}`)
  }
  if (version < MIN_JAVA_VERSION) {
    throw new DevToolError(`Java ${version} found at "${java}", but the local Kafka broker needs Java ${MIN_JAVA_VERSION}+. ${HOW_TO_FIX}`)
  }
  return java
}
