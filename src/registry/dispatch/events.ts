import type { Provider } from '../../domain/app.js'
import type { AppId, DeviceId, DispatchId } from '../../domain/brand.js'
import type { AnswerClassName, CredentialStop, DispatchReport, Outcome } from './dispatch-report.js'

/** What every dispatch event names. */
export interface DispatchEventBase {
  readonly dispatchId: DispatchId
  readonly appId: AppId
}

/**
 * The events a dispatcher emits, meant for logs and metrics: tokens appear redacted (first 6
 * and last 4 characters, S2), provider detail text never (it may quote what it was sent).
 */
export interface DispatchEvents {
  /** Sending begins; targets are read as pushes go out, so their number comes with `dispatch.finished`. */
  'dispatch.started': [DispatchEventBase & { readonly kind: 'alert' | 'background'; readonly provider: Provider }]
  /** A target's final answer, classified by §4 (R15). */
  'dispatch.answer': [
    DispatchEventBase & {
      readonly deviceId: DeviceId
      /** S2: redacted. */
      readonly token: string
      readonly class: AnswerClassName
      readonly outcome: Outcome
      readonly status: number
      /** The provider's reason when it is a plain identifier (`BadDeviceToken`, `UNREGISTERED`). */
      readonly reason?: string
      readonly attempts: number
    },
  ]
  /** R16: a transient answer will be retried after `delayMs`. */
  'dispatch.retry': [
    DispatchEventBase & {
      readonly deviceId: DeviceId
      /** S2: redacted. */
      readonly token: string
      readonly status: number
      readonly attempt: number
      readonly delayMs: number
    },
  ]
  /** R16, R18: the dispatch stopped trusting its credential (emitted once per dispatch). */
  'dispatch.credentials_stopped': [DispatchEventBase & { readonly provider: Provider } & CredentialStop]
  /** Every target has an outcome and every answer was fed back. */
  'dispatch.finished': [DispatchReport]
}

export type DispatchEventName = keyof DispatchEvents
