/**
 * The state directory of one instance: `<stateDir>` holds a lock file (one instance at a time),
 * the stable process id (so the transactional id and task stickiness survive restarts) and one
 * directory per task with its checkpoint (state/checkpoint.ts, Kafka Streams' format) and persistent stores: the changelog offset up to which the local stores
 * reflect the changelog. Persistent stores restore from there; others ignore it.
 */
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CHECKPOINT_FILE, checkpointPath, deleteCheckpoint, readCheckpoint, writeCheckpoint } from '../state/checkpoint.js'
import { StreamsConfigError } from './errors.js'

/** `<os tmp>/.peridot-streams/<applicationId>`. */
export function defaultStateDir(applicationId: string): string {
  return join(tmpdir(), '.peridot-streams', applicationId)
}

/** Changelog positions by `topic:partition`. */
export type Checkpoint = Map<string, bigint>

export const checkpointKey = (topic: string, partition: number): string => `${topic}:${partition}`

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** A locked state directory. */
export class StateDirectory {
  readonly path: string
  readonly processId: string
  #locked = false

  constructor(path: string) {
    this.path = path
    mkdirSync(path, { recursive: true })
    this.#lock()
    const idFile = join(path, 'process-id')
    let id: string | undefined
    try {
      id = readFileSync(idFile, 'utf8').trim() || undefined
    } catch {
      id = undefined
    }
    if (id === undefined) {
      id = randomUUID()
      writeFileSync(idFile, id)
    }
    this.processId = id
  }

  #lock(): void {
    const file = join(this.path, '.lock')
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(file, String(process.pid), { flag: 'wx' })
        this.#locked = true
        return
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
      const pid = Number(readFileSync(file, 'utf8'))
      // A lock of this process is held by another instance that is still open; a dead process's is stale.
      if (pid === process.pid || (Number.isInteger(pid) && pid > 0 && alive(pid))) {
        throw new StreamsConfigError(
          `state directory ${this.path} is in use by another instance (pid ${pid}); give each instance of an application its own stateDir`,
        )
      }
      rmSync(file, { force: true })
    }
    throw new StreamsConfigError(`could not lock state directory ${this.path}`)
  }

  taskDir(taskId: string): string {
    return join(this.path, taskId)
  }

  /** Task ids with a checkpoint on disk. */
  tasksWithState(): string[] {
    try {
      return readdirSync(this.path, { withFileTypes: true })
        .filter((d) => d.isDirectory() && /^\d+_\d+$/.test(d.name) && existsSync(join(this.path, d.name, CHECKPOINT_FILE)))
        .map((d) => d.name)
    } catch {
      return []
    }
  }

  /** The task's checkpoint; a malformed file counts as none (the stores then restore from scratch). */
  readCheckpoint(taskId: string): Checkpoint {
    const out: Checkpoint = new Map()
    try {
      for (const e of readCheckpoint(checkpointPath(this.taskDir(taskId)))) out.set(checkpointKey(e.topic, e.partition), e.offset)
    } catch {
      out.clear()
    }
    return out
  }

  writeCheckpoint(taskId: string, offsets: Checkpoint): void {
    const dir = this.taskDir(taskId)
    mkdirSync(dir, { recursive: true })
    const entries = [...offsets].map(([k, offset]) => {
      const i = k.lastIndexOf(':')
      return { topic: k.slice(0, i), partition: Number(k.slice(i + 1)), offset }
    })
    writeCheckpoint(checkpointPath(dir), entries)
  }

  deleteCheckpoint(taskId: string): void {
    deleteCheckpoint(checkpointPath(this.taskDir(taskId)))
  }

  unlock(): void {
    if (!this.#locked) return
    this.#locked = false
    rmSync(join(this.path, '.lock'), { force: true })
  }
}
