import { isStorableText } from '../codecs/primitives.js'
import type { Issue } from '../codecs/issue.js'
import type { AppId, DispatchId, Instant } from '../domain/brand.js'
import { emptyDispatch } from '../domain/decide.js'
import type { SendSummary } from '../domain/dispatch-sends.js'
import { withSend } from '../domain/dispatch-sends.js'
import type { DispatchRecord } from '../domain/records.js'
import { dispatchKey } from '../domain/records.js'
import type { ReleaseDispatchRecord } from '../domain/release-001.js'
import { currentDispatch, isReleaseDispatch, releaseDispatchMarks } from '../domain/release-001.js'
import type { Catalog } from '../domain/world.js'
import { ContentionError } from './errors.js'
import type { GuardedStorage } from './store.js'

/** What `registry.recordSend` takes: one send's summary and the dispatch it belongs to. */
export interface SendRecord extends Omit<SendSummary, 'startedAt' | 'finishedAt'> {
  readonly appId: string
  readonly dispatchId: string
  /** Milliseconds since the epoch. */
  readonly startedAt: number
  readonly finishedAt: number
}

/** What `registry.recordSend` did: counted the send, or not (already counted, or refused with `issues`). */
export interface SendRecordReport {
  readonly counted: boolean
  readonly issues: readonly Issue[]
}

const counters = ['targeted', 'sent', 'delivered', 'dead', 'suspect'] as const

/** Why a summary cannot be recorded (S3), field by field; empty when it can. */
const problems = (catalog: Catalog, send: SendRecord): Issue[] => {
  const issues: Issue[] = []
  const text = (path: keyof SendRecord, max: number): void => {
    const value = send[path]
    if (typeof value !== 'string' || value.length < 1 || value.length > max || !isStorableText(value)) {
      issues.push({ path, rule: 'S3', message: `must be 1 to ${max} characters of text` })
    }
  }
  text('appId', 256)
  if (issues.length === 0 && catalog.app(send.appId as AppId) === undefined) issues.push({ path: 'appId', rule: 'R4', message: 'names no app of this registry' })
  text('dispatchId', 256)
  text('runId', 128)
  if (send.kind !== 'alert' && send.kind !== 'background') issues.push({ path: 'kind', rule: 'S3', message: 'must be alert or background' })
  for (const name of counters) {
    const n = send[name]
    if (!Number.isSafeInteger(n) || n < 0) issues.push({ path: name, rule: 'S3', message: 'must be an integer ≥ 0' })
  }
  for (const name of ['startedAt', 'finishedAt'] as const) {
    if (!Number.isFinite(send[name])) issues.push({ path: name, rule: 'S3', message: 'must be a time in ms since the epoch' })
  }
  return issues
}

/**
 * Adds one send's provider-side counts to its dispatch record, in one conditional commit
 * (D14: the record keeps sums and the latest run ids, never a list of targets). Writing the
 * same summary again counts nothing (its run id is kept); a conflict re-reads and re-applies.
 */
export const recordSend = async (
  deps: { readonly storage: GuardedStorage; readonly catalog: Catalog; readonly maxAttempts: number },
  send: SendRecord,
): Promise<SendRecordReport> => {
  const issues = problems(deps.catalog, send)
  if (issues.length > 0) return { counted: false, issues }
  const key = dispatchKey(send.appId as AppId, send.dispatchId as DispatchId)
  const summary: SendSummary = {
    runId: send.runId,
    kind: send.kind,
    targeted: send.targeted,
    sent: send.sent,
    delivered: send.delivered,
    dead: send.dead,
    suspect: send.suspect,
    startedAt: send.startedAt as Instant,
    finishedAt: send.finishedAt as Instant,
  }
  for (let attempt = 0; attempt < deps.maxAttempts; attempt++) {
    const [stored] = await deps.storage.read([key])
    const raw = stored?.record as DispatchRecord | ReleaseDispatchRecord | undefined
    const record = raw === undefined ? emptyDispatch(send.appId as AppId, send.dispatchId as DispatchId) : currentDispatch(raw)
    const updated = withSend(record, summary)
    if (updated === record && stored !== undefined) return { counted: false, issues: [] }
    // A record release 001 wrote keeps its devices counted once through their marks.
    const marks = raw !== undefined && isReleaseDispatch(raw) ? releaseDispatchMarks(raw) : []
    const outcome = await deps.storage.commit([
      { record: updated, expectedVersion: stored?.version ?? 0, entry: null },
      ...marks.map((mark) => ({ record: mark, expectedVersion: 0, entry: null })),
    ])
    if (outcome.ok) return { counted: true, issues: [] }
    if ('refused' in outcome) return { counted: false, issues: [{ path: 'dispatchId', rule: 'S3', message: `the store refused the record: ${outcome.refused.reason}` }] }
  }
  throw new ContentionError(deps.maxAttempts)
}
