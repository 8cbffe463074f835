import type { Capability, DispatchHealth, HealthStatus, TokenHealth } from 'push-registry'
import { chartLegend, dailyChart } from './daily-chart.js'
import type { SafeHtml } from './html.js'
import { html } from './html.js'

const statusRows: readonly { readonly status: HealthStatus; readonly label: string; readonly note: string }[] = [
  { status: 'active', label: 'Active', note: 'a target' },
  { status: 'stale', label: 'Stale', note: 'not reported for longer than staleAfter; still a target (R19)' },
  { status: 'suspect', label: 'Suspect', note: 'quarantined after an ambiguous answer (R18)' },
  { status: 'expired', label: 'Expired', note: 'not reported for longer than expireAfter (R19)' },
  { status: 'ended', label: 'Ended', note: 'invalidated: dead, uninstalled, moved, revoked or erased' },
  { status: 'none', label: 'No token', note: 'a known device that never reported a token' },
]

const columns: readonly (Capability | 'none')[] = ['foreground', 'provisional', 'background', 'none']

/** A count with thousands separators, always in the same locale. */
const n = (value: number): string => value.toLocaleString('en-US')

/** An instant as `2026-01-02 18:00 UTC`. */
const when = (at: number): string => `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`

const cell = (value: number): SafeHtml => (value === 0 ? html`<td class="num zero">0</td>` : html`<td class="num">${n(value)}</td>`)

/** R19, D7: registrations by status (rows) and capability (columns), at the overview's `now`. */
const registrationsTable = (health: TokenHealth): SafeHtml => {
  const cells = health.registrations.cells
  const rows = statusRows.map(({ status, label, note }) => {
    const row = cells[status]
    const total = columns.reduce((sum, c) => sum + row[c], 0)
    return html`<tr><th scope="row" title="${note}">${label}</th>${columns.map((c) => cell(row[c]))}<td class="num total">${n(total)}</td></tr>`
  })
  const colTotal = (c: Capability | 'none'): number => statusRows.reduce((sum, { status }) => sum + cells[status][c], 0)
  return html`<table class="counts">
<thead><tr><th scope="col">Status</th><th scope="col" class="num">Foreground</th><th scope="col" class="num">Provisional</th><th scope="col" class="num">Background</th><th scope="col" class="num">No capability</th><th scope="col" class="num">Total</th></tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr><th scope="row">All</th>${columns.map((c) => html`<td class="num">${n(colTotal(c))}</td>`)}<td class="num total">${n(health.registrations.total)}</td></tr></tfoot>
</table>`
}

const dispatchRow = (d: DispatchHealth): SafeHtml => html`<tr>
  <td><code>${d.dispatchId}</code> <span class="kind-tag">${d.kind}</span>${d.runs > 1 ? html` <span class="tag">${d.runs} sends</span>` : null}</td>
  <td><time datetime="${new Date(d.lastAt).toISOString()}">${when(d.lastAt)}</time></td>
  <td class="num">${n(d.targeted)}</td><td class="num">${n(d.sent)}</td><td class="num">${n(d.delivered)}</td><td class="num">${n(d.dead)}</td><td class="num">${n(d.suspect)}</td>
  <td class="num">${n(d.received)}</td><td class="num">${n(d.opened)}</td>
</tr>`

/** The latest dispatches: the dispatcher's counts when each send ended, and the SDK's delivery reports. */
const dispatchesTable = (health: TokenHealth): SafeHtml =>
  health.dispatches.length === 0
    ? html`<p class="muted">No dispatch recorded yet. Sends of the dispatcher appear here once they end.</p>`
    : html`<table class="dispatches">
<thead><tr><th scope="col">Dispatch</th><th scope="col">Ended</th><th scope="col" class="num">Targeted</th><th scope="col" class="num">Sent</th><th scope="col" class="num">Delivered</th><th scope="col" class="num">Dead</th><th scope="col" class="num">Quarantined</th><th scope="col" class="num">Received</th><th scope="col" class="num">Opened</th></tr></thead>
<tbody>${health.dispatches.map(dispatchRow)}</tbody>
</table>
<p class="note">Sent, delivered, dead and quarantined: what the dispatcher counted when each send ended (provider answers). Received and opened: devices whose SDK reported it (<code>delivery_reported</code>), each counted once.</p>`

/** One app's token health: registrations, the daily chart, the latest dispatches. */
export const overviewSection = (health: TokenHealth, appName: string, index: number): SafeHtml => {
  const id = `app-${index}`
  const days = health.days.length
  return html`<section class="health" aria-labelledby="${id}">
<h2 id="${id}">${appName} <span class="muted">· ${health.appId} · ${n(health.registrations.total)} registrations</span></h2>
<h3>Registrations by status and capability</h3>
${registrationsTable(health)}
<h3>Invalidations and quarantines per day, last ${days} days</h3>
${dailyChart(id, health.days)}
${chartLegend(health.days)}
<h3>Last dispatches</h3>
${dispatchesTable(health)}
</section>`
}
