import { deadEvidenceAt } from '../../domain/answer.js'
import type { ProviderAnswer } from '../../domain/input.js'
import type { IdleTarget } from '../queries.js'
import type { DispatchReport } from './dispatch-report.js'

/** What uninstall tracking did: a dispatch report, plus the uninstalls it recorded (R14). */
export interface UninstallReport extends DispatchReport {
  /** Devices recorded `uninstalled` because their token answered `dead`. */
  readonly uninstalled: number
}

/**
 * R14, R17, D10: the `uninstalled` input a `dead` answer to an uninstall probe records, at the
 * answer's evidence time (the APNs `410` timestamp, else the answer's own time). None when that
 * time is before the device's last report: the app was seen alive after it (R17), and
 * recording an uninstall in its past would only write a false end-and-return into its history.
 * The `dead` answer itself is fed too; at equal times the device's uninstall is folded first, so
 * the token ends as `uninstalled`, which is what `uninstalled_at` and the segment read.
 */
export const uninstallInputs = (target: IdleTarget, answer: ProviderAnswer): readonly unknown[] => {
  const evidence = deadEvidenceAt(answer)
  if (evidence < target.lastSeenAt) return []
  return [{ type: 'uninstalled', at: new Date(evidence).toISOString(), appId: target.appId, deviceId: target.deviceId }]
}
