export { Writer, unsignedVarintSize, varintSize, varlongSize } from './writer.js'
export { Reader } from './reader.js'
export type { TaggedField, TaggedFields } from './tagged-fields.js'
