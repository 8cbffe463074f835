/** S3, S1: the boundary's limits; every field has a documented default and can be changed. */
export interface Limits {
  /** Length of `appId`, `deviceId`, `userId`, `dispatchId`: 1 to 256 characters. */
  readonly maxIdLength: number
  /** Length of a token string or a Web Push endpoint: at most 4,096 characters. */
  readonly maxTokenLength: number
  /** Inputs in one batch: at most 10,000. */
  readonly maxBatchSize: number
  /**
   * S1: the push services a Web Push endpoint may point at. `*.example.com` matches
   * sub-domains only (D13).
   */
  readonly webPushHosts: readonly string[]
}

export const defaultLimits: Limits = {
  maxIdLength: 256,
  maxTokenLength: 4096,
  maxBatchSize: 10_000,
  webPushHosts: ['fcm.googleapis.com', 'updates.push.services.mozilla.com', 'web.push.apple.com', '*.notify.windows.com'],
}
