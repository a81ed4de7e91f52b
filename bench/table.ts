/** Formats benchmark results as a Markdown table with each figure's ratio to Peridot. */

export interface Row {
  /** e.g. "produce 100 B". */
  name: string
  unit: string
  /** Lower is better (latency). */
  lowerIsBetter?: boolean
  /** Value per client name; missing when not run, a string when it failed. */
  values: Record<string, number | string | undefined>
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(2)}M`
  if (Math.abs(v) >= 1e4) return `${(v / 1e3).toFixed(0)}k`
  if (Math.abs(v) >= 100) return v.toFixed(0)
  if (Math.abs(v) >= 10) return v.toFixed(1)
  return v.toFixed(2)
}

/** One column per client; each peer cell is "value (ratio x)" with ratio = peer / Peridot. */
export function markdownTable(rows: Row[], clients: string[], labels: Record<string, string>, base = 'peridot'): string {
  const used = clients.filter((c) => rows.some((r) => r.values[c] !== undefined))
  const head = ['benchmark', 'unit', ...used.map((c) => labels[c] ?? c)]
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`]
  for (const r of rows) {
    const b = r.values[base]
    const cells = used.map((c) => {
      const v = r.values[c]
      if (v === undefined) return '–'
      if (typeof v === 'string') return v
      if (c === base || typeof b !== 'number' || b === 0) return formatNumber(v)
      return `${formatNumber(v)} (${(v / b).toFixed(2)}x)`
    })
    lines.push(`| ${[r.name, r.unit, ...cells].join(' | ')} |`)
  }
  return lines.join('\n')
}
