/**
 * The schema libraries are optional peer dependencies: loaded when a serde of that format is
 * created, so the registry client (and the other formats) work without them.
 */
import { PeridotError } from '../protocol/errors.js'

/** A serde's schema library is not installed. */
export class MissingDependencyError extends PeridotError {
  override name = 'MissingDependencyError'
}

const loaded = new Map<string, Promise<unknown>>()

/** The CommonJS module `name` (its `module.exports`), or a MissingDependencyError naming the install command. */
export function loadOptional<M>(name: string, forWhat: string): Promise<M> {
  let p = loaded.get(name)
  if (!p) {
    p = import(name).then(
      (mod: { default?: unknown }) => mod.default ?? mod,
      (err: unknown) => {
        loaded.delete(name)
        throw new MissingDependencyError(`${forWhat} needs the '${name}' package: npm install ${name}`, { cause: err })
      },
    )
    loaded.set(name, p)
  }
  return p as Promise<M>
}
