// Extracts the TypeScript blocks of README.md as programs to type-check and run.
//
// A block may be preceded by markers (HTML comments, invisible on GitHub), one per line:
//   <!-- readme-test: runnable [continues] [unique=name,name] -->
//     runnable: the test runs it against the broker (its '127.0.0.1:9092' becomes the test's
//     broker); continues: it goes on from the previous block (one program); unique: these quoted
//     names (topics, ids) get a per-run suffix, so runs never collide; registry: it needs a schema
//     registry (its 'http://127.0.0.1:8081' becomes the test's; skipped when there is none).
//   <!-- readme-test: context <TypeScript> -->
//     declarations the block assumes (a `client` made earlier, a user's `handle` function),
//     put before it when it is type-checked.

/** One program made of one block, or of a block and those that continue it. */
export interface ReadmeProgram {
  /** 1-based line of the (first) block's opening fence. */
  line: number
  /** Context declarations, then the code. */
  source: string
  runnable: boolean
  /** Names to make unique when running. */
  unique: string[]
  /** It needs a schema registry. */
  registry: boolean
}

const MARKER = /^<!--\s*readme-test:\s*(.*?)\s*-->$/

/** The README's TypeScript blocks (```ts), as programs. */
export function readmePrograms(markdown: string): ReadmeProgram[] {
  const lines = markdown.split('\n')
  const programs: ReadmeProgram[] = []
  let markers: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    const m = MARKER.exec(line)
    if (m) {
      markers.push(m[1])
      continue
    }
    if (line !== '```ts' && line !== '```typescript') {
      if (line !== '') markers = []
      continue
    }
    const start = i + 1
    const code: string[] = []
    for (i++; i < lines.length && lines[i].trim() !== '```'; i++) code.push(lines[i])
    let runnable = false
    let continues = false
    let registry = false
    const unique: string[] = []
    const context: string[] = []
    for (const marker of markers) {
      if (marker.startsWith('context ')) {
        context.push(marker.slice('context '.length))
        continue
      }
      for (const word of marker.split(/\s+/)) {
        if (word === 'runnable') runnable = true
        else if (word === 'continues') continues = true
        else if (word === 'registry') registry = true
        else if (word.startsWith('unique=')) unique.push(...word.slice('unique='.length).split(',').filter(Boolean))
        else throw new Error(`README.md:${start}: unknown readme-test marker '${word}'`)
      }
    }
    markers = []
    const prev = programs.at(-1)
    if (continues) {
      if (!prev) throw new Error(`README.md:${start}: 'continues' with no block before it`)
      prev.source += `\n${context.join('\n')}\n${code.join('\n')}`
      prev.runnable &&= runnable
      prev.unique.push(...unique)
      prev.registry ||= registry
    } else {
      programs.push({ line: start, source: `${context.join('\n')}\n${code.join('\n')}`, runnable, unique, registry })
    }
  }
  return programs
}
