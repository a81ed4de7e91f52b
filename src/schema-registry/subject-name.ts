/**
 * Subject name strategies: which registry subject a record's schema lives under.
 */
import { InvalidArgumentError } from '../protocol/errors.js'

/** What a custom strategy is given. */
export interface SubjectNameContext {
  topic: string
  isKey: boolean
  /** The schema's record name (Avro: full name; Protobuf: full message name; JSON Schema: `title`), when it has one. */
  recordName: string | undefined
}

/**
 * `'TopicName'` (default): `<topic>-key` / `<topic>-value`, one schema per topic.
 * `'RecordName'`: the record's full name, so one topic may hold several record types and a record
 * type keeps one subject across topics. `'TopicRecordName'`: `<topic>-<record name>`.
 * Or a function of {@link SubjectNameContext}.
 */
export type SubjectNameStrategy = 'TopicName' | 'RecordName' | 'TopicRecordName' | ((context: SubjectNameContext) => string)

/** Checks a strategy option. */
export function checkSubjectNameStrategy(strategy: unknown): SubjectNameStrategy {
  if (strategy === undefined) return 'TopicName'
  if (typeof strategy === 'function' || strategy === 'TopicName' || strategy === 'RecordName' || strategy === 'TopicRecordName') return strategy as SubjectNameStrategy
  throw new InvalidArgumentError(`subjectNameStrategy must be 'TopicName', 'RecordName', 'TopicRecordName' or a function, got ${JSON.stringify(strategy)}`)
}

/** The subject for a record of `topic` under `strategy`. */
export function subjectName(strategy: SubjectNameStrategy, topic: string, isKey: boolean, recordName: string | undefined): string {
  const needName = (): string => {
    if (!recordName) throw new InvalidArgumentError(`subjectNameStrategy ${String(strategy)} needs a named schema (an Avro record, enum or fixed; a Protobuf message; a JSON Schema with a "title")`)
    return recordName
  }
  switch (strategy) {
    case 'TopicName':
      return `${topic}-${isKey ? 'key' : 'value'}`
    case 'RecordName':
      return needName()
    case 'TopicRecordName':
      return `${topic}-${needName()}`
    default: {
      const subject = strategy({ topic, isKey, recordName })
      if (typeof subject !== 'string' || subject.length === 0) throw new InvalidArgumentError(`subjectNameStrategy returned ${JSON.stringify(subject)}, not a subject name`)
      return subject
    }
  }
}
