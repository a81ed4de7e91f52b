/** One raw tagged field of a flexible-version struct (KIP-482). */
export interface TaggedField {
  tag: number
  data: Uint8Array
}

export type TaggedFields = readonly TaggedField[]

export const EMPTY_TAGGED_FIELDS: TaggedFields = Object.freeze([])
