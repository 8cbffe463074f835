import type { DailyPoint } from 'push-registry'
import type { SafeHtml } from './html.js'
import { html } from './html.js'

/** The chart's series, in stacking order, with the words the legend uses. */
export const chartSeries: readonly { readonly name: string; readonly label: string }[] = [
  { name: 'dead', label: 'dead (provider)' },
  { name: 'uninstalled', label: 'uninstalled' },
  { name: 'moved', label: 'moved to another device' },
  { name: 'revoked', label: 'revoked (web)' },
  { name: 'erased', label: 'owner erased' },
  { name: 'quarantined', label: 'quarantined' },
]

const known = new Set(chartSeries.map((s) => s.name))

/** A series' CSS class: the stylesheet colours it (no style attribute: the CSP admits only the stylesheet). */
const seriesClass = (name: string): string => `s-${known.has(name) ? name : 'other'}`

const width = 720
const height = 210
const left = 40
const right = 8
const top = 10
const bottom = 28
const plotWidth = width - left - right
const plotHeight = height - top - bottom

/** The top of the y axis: the maximum rounded up to 1, 2 or 5 times a power of ten (at least 1). */
const niceMax = (max: number): number => {
  if (max <= 1) return 1
  const power = 10 ** Math.floor(Math.log10(max))
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power
  return 10 * power
}

const fixed = (n: number): string => (Math.round(n * 10) / 10).toString()

/** What a day's bar says when hovered, and to a screen reader. */
const dayText = (point: DailyPoint): string => {
  const parts = [...chartSeries.map((s) => s.name), ...Object.keys(point.counts).filter((n) => !known.has(n))]
    .filter((name) => (point.counts[name] ?? 0) > 0)
    .map((name) => `${point.counts[name]} ${name}`)
  return `${point.date}: ${parts.length === 0 ? 'none' : parts.join(', ')}`
}

/**
 * Invalidations and quarantines per day as stacked bars, rendered on the server as inline SVG:
 * no script and no style attribute (the page's CSP allows neither), colours from the stylesheet,
 * a `<title>` per bar for its numbers.
 */
export const dailyChart = (id: string, points: readonly DailyPoint[]): SafeHtml => {
  const max = niceMax(Math.max(0, ...points.map((p) => p.total)))
  const slot = plotWidth / Math.max(1, points.length)
  const barWidth = Math.max(2, slot * 0.7)
  const y = (value: number): number => top + plotHeight - (value / max) * plotHeight
  const ticks = [0, max / 2, max].filter((t, i, all) => Number.isInteger(t) && all.indexOf(t) === i)
  const bars = points.map((point, i) => {
    const x = left + i * slot + (slot - barWidth) / 2
    let base = 0
    const names = [...chartSeries.map((s) => s.name), ...Object.keys(point.counts).filter((n) => !known.has(n)).sort()]
    const rects = names.flatMap((name) => {
      const n = point.counts[name] ?? 0
      if (n <= 0) return []
      const y0 = y(base)
      base += n
      return [html`<rect class="${seriesClass(name)}" x="${fixed(x)}" y="${fixed(y(base))}" width="${fixed(barWidth)}" height="${fixed(y0 - y(base))}"></rect>`]
    })
    const label = i % 5 === (points.length - 1) % 5 ? html`<text class="axis" x="${fixed(x + barWidth / 2)}" y="${height - 10}" text-anchor="middle">${point.date.slice(5)}</text>` : null
    return html`<g><title>${dayText(point)}</title><rect class="slot" x="${fixed(left + i * slot)}" y="${top}" width="${fixed(slot)}" height="${plotHeight}"></rect>${rects}</g>${label}`
  })
  const grid = ticks.map(
    (t) => html`<line class="grid" x1="${left}" x2="${width - right}" y1="${fixed(y(t))}" y2="${fixed(y(t))}"></line><text class="axis" x="${left - 6}" y="${fixed(y(t) + 4)}" text-anchor="end">${t}</text>`,
  )
  const total = points.reduce((sum, p) => sum + p.total, 0)
  const first = points[0]?.date ?? ''
  const last = points.at(-1)?.date ?? ''
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-title">Invalidations and quarantines per day, ${first} to ${last}: ${total} in all</title>
${grid}${bars}
</svg>`
}

/** The chart's legend: one swatch per series, with the series' total over the period. */
export const chartLegend = (points: readonly DailyPoint[]): SafeHtml => {
  const totals = new Map<string, number>()
  for (const p of points) for (const [name, n] of Object.entries(p.counts)) totals.set(name, (totals.get(name) ?? 0) + n)
  const others = [...totals.keys()].filter((n) => !known.has(n)).sort()
  return html`<ul class="legend">${[...chartSeries.map((s) => [s.name, s.label] as const), ...others.map((n) => [n, n] as const)].map(
    ([name, label]) => html`<li><span class="swatch ${seriesClass(name)}"></span>${label} <strong>${totals.get(name) ?? 0}</strong></li>`,
  )}</ul>`
}
