/**
 * @internal Processor metadata through the processor context (Kafka Streams'
 * InternalProcessorContext.processorMetadataForKey / addProcessorMetadataKeyValue): numbers a
 * processor keeps per task that are committed with the task's input offsets and read back when
 * the task is created again (after a restart or on another instance). Windowed `onWindowClose`
 * aggregations keep their last emitted window close time there, under their store's name.
 */
import type { ProcessorContext } from './processor.js'

/** @internal What the task's processor context adds for processor metadata. */
export interface ProcessorMetadataContext {
  /** The value of `key`: set in this task, or committed by a previous owner of the task. */
  processorMetadataForKey(key: string): number | undefined
  /** Sets `key`; the next commit of the task carries it. */
  addProcessorMetadata(key: string, value: number): void
}

function metadataContext(ctx: ProcessorContext<unknown, unknown>): ProcessorMetadataContext | undefined {
  const c = ctx as Partial<ProcessorMetadataContext>
  return typeof c.processorMetadataForKey === 'function' && typeof c.addProcessorMetadata === 'function' ? (c as ProcessorMetadataContext) : undefined
}

/** @internal The committed or set value of `key`, when the context keeps processor metadata. */
export function processorMetadataForKey(ctx: ProcessorContext<unknown, unknown>, key: string): number | undefined {
  return metadataContext(ctx)?.processorMetadataForKey(key)
}

/** @internal Sets `key` when the context keeps processor metadata (a context that does not: nothing is committed). */
export function addProcessorMetadata(ctx: ProcessorContext<unknown, unknown>, key: string, value: number): void {
  metadataContext(ctx)?.addProcessorMetadata(key, value)
}
