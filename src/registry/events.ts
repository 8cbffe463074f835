import type { AppId, DeviceId, Instant, UserId } from '../domain/brand.js'
import type { Capability } from '../domain/capability.js'
import type { SubscriptionState } from '../domain/input.js'
import type { EndReason, RegistrationRecord, RegistrationView, RegistryRecord, UserRecord } from '../domain/records.js'
import { subscriptionOf } from '../domain/subscription.js'
import { redact } from '../domain/token.js'
import type { Issue } from '../codecs/issue.js'

/** A change of one registration's token; `token` is redacted (S2). */
export interface TokenEvent {
  readonly appId: AppId
  readonly deviceId: DeviceId
  /** S2: first 6 and last 4 characters only. */
  readonly token: string
  readonly owner: UserId | null
}

/** The events a registry emits after the store committed what caused them. */
export interface RegistryEvents {
  /** A token became active on a registration (new, re-registered after an end, or restored). */
  'token.registered': [TokenEvent]
  /** R2: a registration's token was replaced by a new one. */
  'token.rotated': [TokenEvent & { readonly previousToken: string }]
  /** R7, R10: a live token's owners changed. */
  'token.transferred': [TokenEvent & { readonly from: UserId | null; readonly to: UserId | null }]
  /** R14, R16, R3, D5: a token stopped being usable. */
  'token.invalidated': [TokenEvent & { readonly reason: EndReason }]
  /** R18: an ambiguous answer put a token in quarantine. */
  'token.quarantined': [TokenEvent]
  /** R5, R6: what an active token may receive changed (a permission granted or withdrawn). */
  'token.capability_changed': [TokenEvent & { readonly from: Capability; readonly to: Capability }]
  /** R11, R12: a user's subscription state changed. */
  'subscription.changed': [{ readonly userId: UserId; readonly from: SubscriptionState; readonly to: SubscriptionState }]
  /** R12, D3: a registration's opt-in of a user changed: its time, or `null` once it no longer counts. */
  'optin.changed': [{ readonly appId: AppId; readonly deviceId: DeviceId; readonly userId: UserId; readonly at: Instant | null }]
  /** `registry.erase`: a user's personal data was removed everywhere; a host that mirrors it removes its copy. */
  'user.erased': [{ readonly userId: UserId }]
  /** S3, I11: an input was rejected and changed nothing. */
  'input.rejected': [{ readonly index: number; readonly issues: readonly Issue[] }]
}

export type RegistryEventName = keyof RegistryEvents

/** An event ready to emit. */
export type PendingEvent = {
  [K in RegistryEventName]: { readonly name: K; readonly payload: RegistryEvents[K][0] }
}[RegistryEventName]

const liveKey = (view: RegistrationView | undefined): string | null =>
  view !== undefined && (view.token.status === 'active' || view.token.status === 'suspect') ? view.token.key : null

/**
 * What changed between the records a unit of work read and the ones it wrote, as events.
 * Derived from state, not from inputs, so an input that arrives late and rewrites history
 * still announces exactly the change it made.
 */
export const eventsOf = (
  original: (record: RegistryRecord) => RegistryRecord | undefined,
  written: readonly RegistryRecord[],
): PendingEvent[] => {
  const events: PendingEvent[] = []
  for (const record of written) {
    const before = original(record)
    if (record.kind === 'registration') {
      registrationEvents(before as RegistrationRecord | undefined, record, events)
      optInEvents(before as RegistrationRecord | undefined, record, events)
    }
    if (record.kind === 'user') {
      const from = subscriptionOf(before as UserRecord | undefined)
      const to = subscriptionOf(record)
      if (from !== to) events.push({ name: 'subscription.changed', payload: { userId: record.userId, from, to } })
    }
  }
  return events
}

/** R12, D3: the opt-ins a registration attributes that appeared, moved in time or went away. */
const optInEvents = (before: RegistrationRecord | undefined, after: RegistrationRecord, events: PendingEvent[]): void => {
  // Most registrations attribute no opt-in, before or after.
  if (after.view.optIns.length === 0 && (before === undefined || before.view.optIns.length === 0)) return
  const was = new Map((before?.view.optIns ?? []).map((o) => [o.userId, o.at]))
  const is = new Map(after.view.optIns.map((o) => [o.userId, o.at]))
  for (const userId of new Set([...was.keys(), ...is.keys()])) {
    const at = is.get(userId) ?? null
    if (was.get(userId) !== (at ?? undefined)) {
      events.push({ name: 'optin.changed', payload: { appId: after.appId, deviceId: after.deviceId, userId, at } })
    }
  }
}

const registrationEvents = (
  before: RegistrationRecord | undefined,
  after: RegistrationRecord,
  events: PendingEvent[],
): void => {
  const b = before?.view
  const a = after.view
  const base = { appId: after.appId, deviceId: after.deviceId, owner: a.owner }
  const wasLive = liveKey(b)
  const isLive = liveKey(a)
  const token = a.token.status === 'none' ? '' : redact(a.token.token)
  if (a.token.status === 'ended' && wasLive !== null) {
    events.push({ name: 'token.invalidated', payload: { ...base, token, reason: a.token.reason } })
    return
  }
  if (isLive === null) return
  if (wasLive === null) events.push({ name: 'token.registered', payload: { ...base, token } })
  else if (wasLive !== isLive && b !== undefined && b.token.status !== 'none') {
    events.push({ name: 'token.rotated', payload: { ...base, token, previousToken: redact(b.token.token) } })
  } else if (b?.token.status === 'suspect' && a.token.status === 'active') {
    events.push({ name: 'token.registered', payload: { ...base, token } })
  }
  if (a.token.status === 'suspect' && b?.token.status !== 'suspect') events.push({ name: 'token.quarantined', payload: { ...base, token } })
  if (b?.token.status === 'active' && a.token.status === 'active' && b.token.key === a.token.key && b.token.capability !== a.token.capability) {
    events.push({ name: 'token.capability_changed', payload: { ...base, token, from: b.token.capability, to: a.token.capability } })
  }
  if (wasLive !== null && b !== undefined && b.owners.join('\u0000') !== a.owners.join('\u0000')) {
    events.push({ name: 'token.transferred', payload: { ...base, token, from: b.owner, to: a.owner } })
  }
}
