import type { AppId, DeviceId, DispatchId } from './brand.js'
import { ambiguousKeptPerDispatch } from './dispatch-verdict.js'
import type { DeliveryEvent, DeliveryMarkRecord, DispatchRecord } from './records.js'
import type { TokenKey } from './token.js'

/**
 * Records as release 001 wrote them, and how today's code reads them. Only dispatch records
 * changed shape since: release 001 listed every device that reported a push received or
 * opened, which grows with the audience (D14); today a dispatch counts them and each device's
 * report is a mark record of its own. Every other kind of record it wrote is read as it is.
 * A store written by that release keeps working without a data migration: a release record is
 * read in today's shape, and rewritten in it (with its marks) by the first input that changes
 * it.
 */
export interface ReleaseDispatchRecord {
  readonly kind: 'dispatch'
  readonly appId: AppId
  readonly dispatchId: DispatchId
  readonly delivered: readonly TokenKey[]
  readonly ambiguous: readonly TokenKey[]
  readonly received: readonly DeviceId[]
  readonly opened: readonly DeviceId[]
}

/** Whether a stored dispatch record is in release 001's shape (devices listed, not counted). */
export const isReleaseDispatch = (record: DispatchRecord | ReleaseDispatchRecord): record is ReleaseDispatchRecord =>
  Array.isArray(record.received) || Array.isArray(record.opened)

const distinctSorted = <A extends string>(items: readonly A[]): A[] => [...new Set(items)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))

/**
 * A dispatch record in today's shape: counters for the listed devices, the delivered and
 * ambiguous keys today's record keeps (the smallest, D14), no `dead` flag (release 001 did not
 * record dead answers on dispatches). Records already in today's shape come back as they are.
 */
export const currentDispatch = (record: DispatchRecord | ReleaseDispatchRecord): DispatchRecord => {
  if (!isReleaseDispatch(record)) return record
  return {
    kind: 'dispatch',
    appId: record.appId,
    dispatchId: record.dispatchId,
    delivered: distinctSorted(record.delivered).slice(0, 2),
    ambiguous: distinctSorted(record.ambiguous).slice(0, ambiguousKeptPerDispatch),
    received: new Set(record.received).size,
    opened: new Set(record.opened).size,
  }
}

/**
 * The marks of the devices a release 001 dispatch lists: written with its first rewrite, so a
 * device that reports again is still counted once (D14).
 */
export const releaseDispatchMarks = (record: ReleaseDispatchRecord): DeliveryMarkRecord[] => {
  const marks = (event: DeliveryEvent, devices: readonly DeviceId[]): DeliveryMarkRecord[] =>
    distinctSorted(devices).map((deviceId) => ({ kind: 'delivery', appId: record.appId, dispatchId: record.dispatchId, deviceId, event }))
  return [...marks('received', record.received), ...marks('opened', record.opened)]
}
