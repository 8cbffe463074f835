import { defaultLimits } from 'push-registry'

/** Limits of the HTTP surface (S3). */
export interface HttpLimits {
  /** Bytes in one request body: default 10 MiB. Larger bodies get 413 and are never buffered. */
  readonly maxBodyBytes: number
  /**
   * Inputs in one `POST /v1/inputs` batch, and ids in one `POST /v1/users/export/ids`: default
   * the registry's default `maxBatchSize` (10,000). Larger lists get 413 and nothing is applied.
   */
  readonly maxBatchSize: number
}

/** The defaults of {@link HttpLimits}. */
export const defaultHttpLimits: HttpLimits = {
  maxBodyBytes: 10 * 1024 * 1024,
  maxBatchSize: defaultLimits.maxBatchSize,
}
