/**
 * Generated inputs of the differential test: seeded (fast-check), so a failing case is reproduced
 * by its seed. Records mix all input topics; each case keeps those of the topics it reads.
 * Timestamps are mostly increasing with out-of-order and late records (far behind stream time);
 * keys repeat, and null keys, null values (tombstones on tables) and headers occur.
 */
import fc from 'fast-check'
import { Serdes, type RecordHeaders } from '../../../../src/streams/index.js'

/**
 * Pseudo-topic of the inputs that advance the drivers' mocked wall clock by `timestamp` ms instead
 * of piping a record (both drivers then run due wall-clock punctuators).
 */
export const WALL_CLOCK = '(wall-clock)'

/** One input record, serialized (or a wall-clock step, see {@link WALL_CLOCK}). */
export interface InputRecord {
  topic: string
  key: Buffer | null
  value: Buffer | null
  timestamp: number
  headers: RecordHeaders
}

const KEYS = ['a', 'b', 'c', 'd', 'e']
// First characters a-e hit the table and global keys; m and z miss them.
const VALUES = ['a1', 'b22', 'c', 'dd', 'e5', 'apple', 'mango', 'zz', 'b', 'aa']
const TOPICS: Array<{ weight: number; arbitrary: fc.Arbitrary<string> }> = [
  { weight: 9, arbitrary: fc.constant('in') },
  { weight: 2, arbitrary: fc.constant('in2') },
  { weight: 3, arbitrary: fc.constant('nums') },
  { weight: 4, arbitrary: fc.constant('table') },
  { weight: 2, arbitrary: fc.constant('global') },
  { weight: 1, arbitrary: fc.constant(WALL_CLOCK) },
]

const text = (s: string | null): Buffer | null => (s === null ? null : Buffer.from(s, 'utf8'))
const long = (n: number | null): Buffer | null => (n === null ? null : Serdes.int64().serialize('', n))

const recordArb = fc.record({
  topic: fc.oneof(...TOPICS),
  key: fc.option(fc.constantFrom(...KEYS), { freq: 8 }),
  text: fc.option(fc.constantFrom(...VALUES), { freq: 6 }),
  num: fc.option(fc.integer({ min: -100, max: 100 }), { freq: 6 }),
  // Time step: forward (or equal), a little back (out of order), or far back (late).
  step: fc.oneof(
    { weight: 7, arbitrary: fc.integer({ min: 0, max: 50 }).map((d) => ({ forward: d, back: 0 })) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 100 }).map((d) => ({ forward: 0, back: d })) },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 5_000 }).map((d) => ({ forward: 0, back: d })) },
  ),
  headers: fc.array(fc.tuple(fc.constantFrom('h1', 'h2'), fc.option(fc.constantFrom('x', 'yy', ''), { freq: 4 })), { maxLength: 2 }),
})

/** `sets` input lists of `length` records each, from `seed`. */
export function generateInputs(seed: number, sets: number, length: number): InputRecord[][] {
  const lists = fc.sample(fc.array(recordArb, { minLength: length, maxLength: length }), { seed, numRuns: sets })
  return lists.map((list) => {
    let time = 10_000
    return list.map((r) => {
      if (r.topic === WALL_CLOCK) return { topic: WALL_CLOCK, key: null, value: null, timestamp: r.step.forward * 3, headers: [] }
      time += r.step.forward
      return {
        topic: r.topic,
        key: text(r.key),
        value: r.topic === 'nums' ? long(r.num) : text(r.text),
        timestamp: Math.max(0, time - r.step.back),
        headers: r.headers.map(([k, v]): [string, Buffer | null] => [k, text(v)]),
      }
    })
  })
}
