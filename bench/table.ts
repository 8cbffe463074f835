/** Plain-text tables for the bench report: no dependencies, aligned columns. */

/** A table row: one string per column. */
export type Row = readonly string[]

/** Prints a titled table; numeric-looking cells are right-aligned. */
export const printTable = (title: string, header: Row, rows: readonly Row[]): void => {
  const all = [header, ...rows]
  const widths = header.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)))
  const numeric = /^[\d,.]+[×%]?$|^[\d,.]+ [a-zA-Z/]+$|^[\d,.]+ \(/
  const line = (row: Row): string =>
    row.map((cell, c) => (c > 0 && numeric.test(cell) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join('  ').trimEnd()
  console.log(`\n${title}`)
  console.log(`  ${line(header)}`)
  console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`)
  for (const row of rows) console.log(`  ${line(row)}`)
}

const formats = new Map<number, Intl.NumberFormat>()

/** `1234567.8` → `1,234,568` (or with `digits` decimals). */
export const num = (value: number, digits = 0): string => {
  let format = formats.get(digits)
  if (format === undefined) {
    format = new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    formats.set(digits, format)
  }
  return format.format(value)
}

/** A ratio to a baseline as `0.42×`: two decimals (three below 0.1, so that small ratios still compare), one from 10 up. */
export const ratio = (value: number): string => `${num(value, value < 0.1 ? 3 : value < 10 ? 2 : 1)}×`

/** `✓` when a goal is met, `✗` when missed, blank when there is no goal. */
export const verdict = (met: boolean | null): string => (met === null ? '' : met ? '✓ met' : '✗ missed')
