import { deadEvidenceAt } from './answer.js'
import { claimantAt } from './claims.js'
import type { Input } from './input.js'
import { isDeviceFact } from './input.js'
import { tokenKey } from './token.js'
import { newestAt } from './repeats.js'
import type { Instant } from './brand.js'
import type { RegistrationRecord } from './records.js'
import type { Catalog, World } from './world.js'
import { reads } from './world.js'

/**
 * D14: whether an input arrives later than its window: a device fact older than the newest
 * `at` its registration has seen minus the app's reorder window, or provider evidence that old
 * for the registration that held the token at its time. Its last-writer-wins effects are still exact; what
 * it adds to the history before the window may be appended instead of re-derived. Read before
 * the input is applied, over the records `needs` named.
 */
export const isLate = (world: World, catalog: Catalog, input: Input): boolean => {
  const read = reads(world)
  if (isDeviceFact(input)) return olderThanWindow(read.registration(input.appId, input.deviceId), catalog, input.at)
  if (input.type !== 'provider_answer') return false
  // The registration holding the token at the evidence time (`claims.ts`) is the one whose
  // history the answer changes.
  const at = deadEvidenceAt(input)
  const claimant = claimantAt(read.token(input.appId, tokenKey(input.token)), at)
  return claimant !== undefined && olderThanWindow(read.registration(input.appId, claimant.deviceId), catalog, at)
}

const olderThanWindow = (registration: RegistrationRecord | undefined, catalog: Catalog, at: Instant): boolean => {
  const newest = registration === undefined ? undefined : newestAt(registration.facts)
  return registration !== undefined && newest !== undefined && at < newest - catalog.policy(registration.appId).reorderWindow
}
