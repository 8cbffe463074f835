import type { ChangelogEntry, Profile, SubscriptionState } from 'push-registry'
import { redact } from 'push-registry'
import type { SafeHtml } from './html.js'
import { html } from './html.js'
import type { Chrome } from './layout.js'
import { layout, searchForm } from './layout.js'

/** What the profile page shows besides the profile itself. */
export interface ProfileView {
  readonly chrome: Chrome
  readonly profile: Profile
  /** An app's display name (the registry's configured `name`), as R25 lines use it. */
  readonly appName: (appId: string) => string
  /** An app's `staleAfter` in milliseconds (R19), to say what the stale tag means. */
  readonly staleAfter: (appId: string) => number
  /** Set right after the operator changed the subscription (post/redirect/get). */
  readonly saved: boolean
}

const states: readonly SubscriptionState[] = ['subscribed', 'opted_in', 'unsubscribed']

/** The path of a user's page: the id is percent-encoded, so any id is one path segment. */
export const userPath = (userId: string): string => `/ui/users/${encodeURIComponent(userId)}`

/** An instant as `2026-01-02 18:00:00 UTC`: one zone for every operator, whatever their browser says. */
const when = (at: number): string => `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC`

/** A duration as people say it: `30 days`, `12 hours`, `90 minutes`. */
const spoken = (ms: number): string => {
  const [amount, unit] = ms >= 86_400_000 ? [ms / 86_400_000, 'day'] : ms >= 3_600_000 ? [ms / 3_600_000, 'hour'] : [ms / 60_000, 'minute']
  const rounded = Math.round(amount * 10) / 10
  return `${rounded} ${unit}${rounded === 1 ? '' : 's'}`
}

/**
 * What `null` stands for in a changelog entry (D1): nobody held the token before it registered,
 * nobody holds it after it ended, and otherwise the device's anonymous user (before any login).
 * Shown as an em dash with those words in italics: no user id can be mistaken for it, since
 * user ids are links.
 */
const nobodyLabel = (entry: ChangelogEntry, side: 'from' | 'to'): string =>
  side === 'from' && entry.kind === 'registered' ? 'new token' : side === 'to' && entry.kind === 'invalidated' ? 'token ended' : 'anonymous device'

/** A user in the changelog, linked to their page; `null` as an em dash saying what it means. */
const who = (entry: ChangelogEntry, side: 'from' | 'to'): SafeHtml => {
  const userId = entry[side]
  return userId === null ? html`<span class="no-owner">— <em>${nobodyLabel(entry, side)}</em></span>` : html`<a href="${userPath(userId)}">${userId}</a>`
}

const kindLabel: Readonly<Record<ChangelogEntry['kind'], string>> = {
  registered: 'registered',
  rotated: 'rotated',
  transferred_in: 'transferred in',
  transferred_out: 'transferred out',
  invalidated: 'invalidated',
}

/** R9, S2: one changelog entry; tokens only ever appear redacted. */
const timelineItem = (entry: ChangelogEntry, appName: (appId: string) => string): SafeHtml => html`<li class="${entry.kind}">
  <time datetime="${new Date(entry.at).toISOString()}">${when(entry.at)}</time>
  <span class="kind">${kindLabel[entry.kind]}</span>${entry.reason === undefined ? null : html` <span class="tag">${entry.reason}</span>`}
  — token <code>${redact(entry.token)}</code>${entry.previousToken === undefined ? null : html` (was <code>${redact(entry.previousToken)}</code>)`}
  on ${appName(entry.appId)} · <span class="muted">${entry.deviceId}</span>
  — from ${who(entry, 'from')} to ${who(entry, 'to')}
</li>`

/**
 * R25 with what a label alone does not say: when the token was last reported and what "stale"
 * means there (R19, D7), and that an unsubscribed user's foreground token gets no alert (R27).
 * The app is in the label already (`Foreground: <app name>`), so it has no column of its own.
 */
const engagementRow = (device: Profile['devices'][number], view: ProfileView): SafeHtml => {
  const withheld = view.profile.subscription === 'unsubscribed' && device.pushRegisteredFor.startsWith('Foreground: ')
  return html`<tr>
  <td class="line${device.pushRegisteredFor === '--' ? ' none' : ''}">${device.pushRegisteredFor}</td>
  <td><code>${device.deviceId}</code></td>
  <td>${device.lastSeenAt === null ? html`<span class="muted">—</span>` : html`<time datetime="${new Date(device.lastSeenAt).toISOString()}">${when(device.lastSeenAt)}</time>`}${device.stale ? html` <span class="tag">stale</span>` : null}</td>
  <td>${
    device.stale
      ? html`<p class="note">Stale: not reported for over ${spoken(view.staleAfter(device.appId))} (this app's <code>staleAfter</code>, R19). The app may be gone from the device; pushes still go to the token until it expires.</p>`
      : null
  }${withheld ? html`<p class="note withheld">Alerts withheld: the user is unsubscribed (R27). Background pushes still reach this device.</p>` : null}</td>
</tr>`
}

/**
 * R25: a user's profile for support staff: contacts, subscription state with a form to change
 * it (R11, CSRF-protected), the Engagement view (one line per device the user was seen on) and
 * the token changelog as a timeline (R9). Every value is escaped; tokens are redacted (S2).
 */
export const profilePage = (view: ProfileView): SafeHtml => {
  const { profile, chrome, appName } = view
  return layout(
    profile.userId,
    chrome,
    html`${searchForm('')}
<h1>${profile.userId}</h1>
<section id="user">
  <dl>
    <dt>External id</dt><dd><code>${profile.userId}</code></dd>
    <dt>Email</dt><dd>${profile.email ?? html`<span class="muted">—</span>`}</dd>
    <dt>Phone</dt><dd>${profile.phone ?? html`<span class="muted">—</span>`}</dd>
  </dl>
</section>
<section id="subscription">
  <h2>Subscription</h2>
  ${view.saved ? html`<p class="notice" role="status">Subscription state saved.</p>` : null}
  <p>Push subscription state: <span class="state" id="subscription-state">${profile.subscription}</span></p>
  <form class="inline" method="post" action="${userPath(profile.userId)}/subscription">
    <input type="hidden" name="csrf" value="${chrome.csrf}">
    <label for="state">Change to</label>
    <select id="state" name="state">
      ${states.map((state) => html`<option value="${state}"${state === profile.subscription ? html` selected` : null}>${state}</option>`)}
    </select>
    <button type="submit">Change subscription</button>
  </form>
</section>
<section id="engagement">
  <h2>Engagement</h2>
  ${
    profile.devices.length === 0
      ? html`<p class="muted">Not seen on any device.</p>`
      : html`<table>
    <thead><tr><th>Push Registered For</th><th>Device</th><th>Token last seen</th><th>Notes</th></tr></thead>
    <tbody>
    ${profile.devices.map((device) => engagementRow(device, view))}
    </tbody>
  </table>`
  }
</section>
<section id="changelog">
  <h2>Token changelog</h2>
  ${
    profile.changelog.length === 0
      ? html`<p class="muted">No token was ever attributed to this user.</p>`
      : html`<ol class="timeline">
    ${profile.changelog.map((entry) => timelineItem(entry, appName))}
  </ol>`
  }
</section>`,
  )
}
