import type { IngestReport, Registry, Rejection } from 'push-registry'

/** Where a single input's issues point (`input…`) and where a batch's do (`inputs[i]…`). */
const prefixOf = (single: boolean, index: number): string => (single ? 'input' : `inputs[${index}]`)

const namedApp = (item: unknown): unknown =>
  typeof item === 'object' && item !== null && Object.prototype.hasOwnProperty.call(item, 'appId') ? (item as { appId: unknown }).appId : undefined

/**
 * R4, I8: ingests only the inputs whose `appId` the key may use. An input naming a string
 * `appId` outside `allowed` is rejected with rule R4 and never reaches the registry; inputs
 * without an app (`subscription_set`, `user_attributes`) and inputs the registry will reject
 * anyway (a non-string `appId`) pass through. The report keeps the caller's indices and paths.
 */
export const scopedIngest = async (registry: Registry, payload: unknown, allowed: ReadonlySet<string>): Promise<IngestReport> => {
  const single = !Array.isArray(payload)
  const items: readonly unknown[] = single ? [payload] : (payload as unknown[])
  const passed: unknown[] = []
  const origin: number[] = []
  const refused: Rejection[] = []
  items.forEach((item, index) => {
    const appId = namedApp(item)
    if (typeof appId === 'string' && !allowed.has(appId)) {
      refused.push({ index, issues: [{ path: `${prefixOf(single, index)}.appId`, rule: 'R4', message: 'names an app this API key may not use' }] })
    } else {
      passed.push(item)
      origin.push(index)
    }
  })
  if (passed.length === 0) return { accepted: 0, rejected: refused, late: 0 }
  const report = await registry.ingest(single ? passed[0] : passed)
  if (report.refused !== undefined) return report
  const remapped = report.rejected.map((rejection): Rejection => {
    const index = origin[rejection.index] ?? rejection.index
    const from = prefixOf(single, rejection.index)
    const to = prefixOf(single, index)
    return { index, issues: rejection.issues.map((issue) => (issue.path.startsWith(from) ? { ...issue, path: to + issue.path.slice(from.length) } : issue)) }
  })
  return { accepted: report.accepted, rejected: [...refused, ...remapped].sort((a, b) => a.index - b.index), late: report.late }
}
