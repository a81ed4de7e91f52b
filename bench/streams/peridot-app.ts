/**
 * Peridot side of bench/streams: JSON in, JSON out (workload 'pipeline'), or a windowed count with
 * suppression (workload 'windowed'), or orders inner-joined with payments within 5 minutes (workload
 * 'join'), the same topologies as StreamsBench.java, exactly_once_v2. Run by bench/streams/run.ts
 * with its settings in STREAMS_BENCH (JSON); prints STARTING right before KafkaStreams.start()
 * and closes on SIGTERM. STREAMS_BENCH_TRACE=<file> writes its timeline there (see trace.ts).
 */
import http from 'node:http'
import { BufferConfig, JoinWindows, KafkaStreams, Serdes, StreamsBuilder, Suppressed, TimeWindows, WindowedSerdes } from '../../src/streams/index.js'
import { traceApp } from './trace.js'

interface AppConfig {
  bootstrap: string
  applicationId: string
  input: string
  output: string
  commitIntervalMs: number
  stateDir: string
  /** Default 'pipeline'. */
  workload?: 'pipeline' | 'windowed' | 'join' | 'async-io'
  /** Workload 'async-io': the runner's HTTP server each record calls. */
  httpUrl?: string
  /** Workload 'async-io': records of a task in flight at once. */
  concurrency?: number
  /** Workload 'async-io': input partitions (tasks), to size the HTTP connection pool. */
  partitions?: number
  /** Workload 'join': the payments topic (`input` holds the orders). */
  payments?: string
}

const cfg = JSON.parse(process.env.STREAMS_BENCH ?? '') as AppConfig
const builder = new StreamsBuilder()
if (cfg.workload === 'windowed') {
  const size = 300_000
  builder
    .stream(cfg.input, { key: Serdes.string(), value: Serdes.json<unknown>() })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeWithNoGrace(size).advanceBy(60_000))
    .count()
    .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
    .toStream()
    .to(cfg.output, { key: WindowedSerdes.timeWindowedSerdeFrom(Serdes.string(), size), value: Serdes.int64() })
} else if (cfg.workload === 'join') {
  const json = Serdes.json<unknown>()
  const orders = builder.stream(cfg.input, { key: Serdes.string(), value: json })
  const payments = builder.stream(cfg.payments ?? '', { key: Serdes.string(), value: json })
  orders
    .join(payments, (order, payment): unknown => ({ order, payment }), JoinWindows.ofTimeDifferenceWithNoGrace(300_000), { key: Serdes.string(), value: json, otherValue: json })
    .to(cfg.output, { key: Serdes.string(), value: json })
} else if (cfg.workload === 'async-io') {
  // Each record waits for a call to the runner's HTTP server; up to `concurrency` per task at once.
  // Connections are reused: the pool keeps as many idle sockets as calls can be in flight (the
  // default maxFreeSockets, 256, made the agent close and reconnect sockets all the time once
  // more calls than that were in flight: a TCP connect per call the Java side never pays, its
  // single synchronous caller reusing one kept-alive connection).
  const sockets = (cfg.concurrency ?? 256) * (cfg.partitions ?? 6)
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets })
  const url = new URL(cfg.httpUrl ?? '')
  const call = (signal: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.get({ host: url.hostname, port: url.port, path: url.pathname, agent, signal }, (res) => {
        res.resume()
        res.on('end', () => resolve())
        res.on('error', reject)
      })
      req.on('error', reject)
    })
  builder
    .stream(cfg.input, { key: Serdes.string(), value: Serdes.json<unknown>() })
    .mapValuesAsync(async (v, _k, c) => {
      await call(c.signal)
      return v
    }, { concurrency: cfg.concurrency ?? 256, timeoutMs: 30_000 })
    .to(cfg.output, { key: Serdes.string(), value: Serdes.json<unknown>() })
} else {
  builder
    .stream(cfg.input, { key: Serdes.string(), value: Serdes.json<unknown>() })
    .to(cfg.output, { key: Serdes.string(), value: Serdes.json<unknown>() })
}
const app = new KafkaStreams(builder.build(), {
  applicationId: cfg.applicationId,
  brokers: [cfg.bootstrap],
  processingGuarantee: 'exactly_once_v2',
  commitIntervalMs: cfg.commitIntervalMs,
  stateDir: cfg.stateDir,
})
app.onUncaughtError((err) => {
  console.error('uncaught error in the streams app:', err)
  return 'shutdown-client'
})
let closing = false
const stop = (): void => {
  if (closing) return
  closing = true
  const m = app.metrics()
  // For the runner's notes: where the wall time went besides processing.
  process.stdout.write(`METRICS ${JSON.stringify({ commits: m.commits, commitLatencyAvgMs: m.commitLatencyAvgMs, commitLatencyMaxMs: m.commitLatencyMaxMs, recordsProcessed: m.recordsProcessed })}\n`)
  app.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdout.write('STARTING\n')
if (process.env.STREAMS_BENCH_TRACE) traceApp(app, process.env.STREAMS_BENCH_TRACE)
await app.start()
