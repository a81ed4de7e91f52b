/**
 * Offset checkpoint files: which changelog (or source) offset a task's persistent stores reflect,
 * so that a restart restores only the changelog tail. Same text format as Kafka Streams'
 * `.checkpoint` file: a version line (0), an entry count line, then `topic partition offset`
 * lines.
 *
 * Writes are atomic: the content goes to `<file>.tmp`, is fsynced, then renamed over the file and
 * the directory fsynced, so a crash leaves either the old checkpoint or the new one, never a torn
 * file. Under exactly-once the runtime should write a checkpoint only after a clean close (the
 * stores are synced then) and delete it when it starts processing, as Kafka Streams does: a task
 * that died mid-transaction has store contents beyond its last commit and must restore from
 * scratch.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { PeridotError } from '../../protocol/errors.js'

/** File name of a task's checkpoint inside its state directory (`<stateDir>/<taskId>/.checkpoint`). */
export const CHECKPOINT_FILE = '.checkpoint'

/** One checkpointed position. */
export interface CheckpointEntry {
  topic: string
  partition: number
  /** The next offset to restore from (offsets are 64-bit). */
  offset: bigint
}

/** A checkpoint file is malformed. */
export class CheckpointError extends PeridotError {
  override name = 'CheckpointError'
}

/** The checkpoint file path of a task directory. */
export function checkpointPath(taskDir: string): string {
  return join(taskDir, CHECKPOINT_FILE)
}

/** Writes `entries` to `file` atomically (temporary file, fsync, rename, directory fsync). */
export function writeCheckpoint(file: string, entries: readonly CheckpointEntry[]): void {
  const lines = ['0', String(entries.length)]
  for (const e of entries) {
    if (/\s/.test(e.topic) || e.topic.length === 0) throw new CheckpointError(`invalid topic name in checkpoint: '${e.topic}'`)
    lines.push(`${e.topic} ${e.partition} ${e.offset}`)
  }
  const tmp = `${file}.tmp`
  const fd = openSync(tmp, 'w')
  try {
    writeSync(fd, lines.join('\n') + '\n')
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, file)
  // The rename itself is durable only once the directory is synced.
  const dfd = openSync(dirname(file), 'r')
  try {
    fsyncSync(dfd)
  } finally {
    closeSync(dfd)
  }
}

/** Reads a checkpoint; an absent file gives an empty list. Throws {@link CheckpointError} when malformed. */
export function readCheckpoint(file: string): CheckpointEntry[] {
  if (!existsSync(file)) return []
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0)
  if (lines[0] !== '0') throw new CheckpointError(`${file}: unsupported checkpoint version '${lines[0] ?? ''}'`)
  const count = Number(lines[1])
  if (!Number.isInteger(count) || count < 0 || lines.length !== count + 2) {
    throw new CheckpointError(`${file}: expected ${lines[1] ?? '?'} entries, found ${lines.length - 2}`)
  }
  const out: CheckpointEntry[] = []
  for (const line of lines.slice(2)) {
    const m = /^(\S+) (\d+) (-?\d+)$/.exec(line)
    if (m === null) throw new CheckpointError(`${file}: malformed checkpoint line '${line}'`)
    out.push({ topic: m[1], partition: Number(m[2]), offset: BigInt(m[3]) })
  }
  return out
}

/** Deletes a checkpoint (e.g. when an exactly-once task starts writing to its stores). */
export function deleteCheckpoint(file: string): void {
  rmSync(file, { force: true })
}
