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
  /** Set right after the operator changed the subscription (post/redirect/get). */
  readonly saved: boolean
}

const states: readonly SubscriptionState[] = ['subscribed', 'opted_in', 'unsubscribed']

/** The path of a user's page: the id is percent-encoded, so any id is one path segment. */
export const userPath = (userId: string): string => `/ui/users/${encodeURIComponent(userId)}`

/** An instant as `2026-01-02 18:00:00 UTC`: one zone for every operator, whatever their browser says. */
const when = (at: number): string => `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC`

/** A user in the changelog, linked to their page; `null` is nobody (anonymous before, or no one after). */
const who = (userId: string | null): SafeHtml =>
  userId === null ? html`<span class="muted">nobody</span>` : html`<a href="${userPath(userId)}">${userId}</a>`

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
  — from ${who(entry.from)} to ${who(entry.to)}
</li>`

const engagementRow = (device: Profile['devices'][number], appName: (appId: string) => string): SafeHtml => html`<tr>
  <td class="line${device.pushRegisteredFor === '--' ? ' none' : ''}">${device.pushRegisteredFor}</td>
  <td>${appName(device.appId)}</td>
  <td><code>${device.deviceId}</code></td>
  <td>${device.stale ? html`<span class="tag" title="not seen for longer than the provider's staleAfter (R19)">stale</span>` : null}</td>
</tr>`

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
    <thead><tr><th>Push Registered For</th><th>App</th><th>Device</th><th></th></tr></thead>
    <tbody>
    ${profile.devices.map((device) => engagementRow(device, appName))}
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
