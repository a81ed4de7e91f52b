// Expected partitions for keyed records from Kafka's Java producer itself, so that tests of where
// Peridot puts a key do not compare Peridot's partitioner with itself.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { kafkaToolsClasspath } from './java-tools.js'

const program = fileURLToPath(new URL('./java/KeyPartitions.java', import.meta.url))

/** The partition the Java producer's built-in partitioner picks for each key, out of `partitions`. */
export async function javaPartitionsForKeys(keys: Array<Buffer | string>, partitions: number): Promise<number[]> {
  const cp = await kafkaToolsClasspath()
  const input = keys.map((k) => Buffer.from(k).toString('hex')).join('\n') + '\n'
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile('java', ['-Xmx128m', '-cp', cp, program, String(partitions)], { maxBuffer: 16 << 20 }, (err, out, stderr) =>
      err ? reject(new Error(`KeyPartitions.java failed: ${err.message}; ${stderr}`)) : resolve(out),
    )
    child.stdin!.end(input)
  })
  const out = stdout.split('\n').filter((l) => l !== '').map(Number)
  if (out.length !== keys.length) throw new Error(`KeyPartitions.java answered ${out.length} partitions for ${keys.length} keys`)
  return out
}
