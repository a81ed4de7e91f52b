/**
 * Kafka's own Java perf tools (ProducerPerformance, ConsumerPerformance), the practical ceiling.
 * This module runs the tool and turns its output into the runner's JSON result.
 */
import { spawn } from 'node:child_process'
import { runChild, recordsPerBatch, type Job, type JobResult } from '../common.js'

function runJava(job: Job, main: string, args: string[]): Promise<string> {
  if (!job.classpath) throw new Error('the Java client needs a classpath')
  return new Promise((resolve, reject) => {
    const child = spawn('java', ['-Xmx1g', '-cp', job.classpath!, main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${main} exited ${code}: ${err.slice(-2000)}${out.slice(-2000)}`))))
  })
}

function producerArgs(job: Job, records: number, throughput: number, props: string[]): string[] {
  const args = ['--topic', job.topic, '--num-records', String(records), '--record-size', String(job.recordSize), '--throughput', String(throughput)]
  return [...args, '--producer-props', 'acks=all', `bootstrap.servers=${job.bootstrap}`, 'compression.type=none', ...props]
}

/** The summary line: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, p50 ms 50th, ..." */
function summary(out: string): { records: number; perSec: number; p50: number; p99: number } {
  const line = out.trim().split('\n').filter((l) => l.includes('records sent')).pop()
  const m = line?.match(/^(\d+) records sent, ([\d.]+) records\/sec.*?(\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/)
  if (!m) throw new Error(`unexpected ProducerPerformance output: ${out.slice(-500)}`)
  return { records: Number(m[1]), perSec: Number(m[2]), p50: Number(m[3]), p99: Number(m[5]) }
}

async function produce(job: Job): Promise<JobResult> {
  const batch = recordsPerBatch(job) * job.recordSize
  const out = await runJava(job, 'org.apache.kafka.tools.ProducerPerformance', producerArgs(job, job.records, -1, [`batch.size=${batch}`, `linger.ms=${job.lingerMs}`]))
  const s = summary(out)
  const seconds = s.records / s.perSec
  return { kind: 'produce', records: s.records, bytes: s.records * job.recordSize, seconds }
}

async function latency(job: Job): Promise<JobResult> {
  const out = await runJava(job, 'org.apache.kafka.tools.ProducerPerformance', producerArgs(job, job.rate * job.seconds, job.rate, ['linger.ms=0']))
  const s = summary(out)
  return { kind: 'latency', count: s.records, p50Ms: s.p50, p99Ms: s.p99 }
}

async function fetch(job: Job): Promise<JobResult> {
  const args = ['--bootstrap-server', job.bootstrap, '--topic', job.topic, '--messages', String(job.records), '--timeout', '60000']
  const out = await runJava(job, 'org.apache.kafka.tools.ConsumerPerformance', args)
  // CSV: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
  //      rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const lines = out.trim().split('\n')
  const header = lines.findIndex((l) => l.startsWith('start.time'))
  const cols = lines[header + 1]?.split(',').map((c) => c.trim())
  if (header < 0 || !cols || cols.length < 10) throw new Error(`unexpected ConsumerPerformance output: ${out.slice(-500)}`)
  const records = Number(cols[4])
  const fetchMs = Number(cols[7])
  return { kind: 'fetch', records, bytes: records * job.recordSize, seconds: fetchMs / 1000 }
}

runChild((job) => {
  if (job.kind === 'codec') throw new Error('no codec job for this client')
  return ({ produce, fetch, latency })[job.kind](job)
})
