import type { IngestReport } from '../ingest.js'

/**
 * Feeds the inputs a dispatch produces (provider answers, uninstalls) back into the registry
 * in batches: one `ingest` per `batchSize` inputs rather than one per answer. Batches are
 * ingested one after the other, in the order they filled. A failing ingest (storage down)
 * fails this and every later flush, so the dispatch stops instead of losing evidence quietly.
 */
export class Feedback {
  private buffer: unknown[] = []
  private chain: Promise<void> = Promise.resolve()
  private rejectedCount = 0

  constructor(
    private readonly ingest: (inputs: unknown[]) => Promise<IngestReport>,
    private readonly batchSize: number,
  ) {}

  /** Inputs the registry rejected so far (each rejection already names its rule, never a value). */
  get rejected(): number {
    return this.rejectedCount
  }

  /** Queues inputs; resolves once they are queued, or once the batch they filled is ingested. */
  add(...inputs: unknown[]): Promise<void> {
    this.buffer.push(...inputs)
    return this.buffer.length >= this.batchSize ? this.flush() : Promise.resolve()
  }

  /** Ingests whatever is queued; resolves when every batch so far is in the registry. */
  flush(): Promise<void> {
    const batch = this.buffer
    this.buffer = []
    if (batch.length > 0) {
      this.chain = this.chain.then(async () => {
        const report = await this.ingest(batch)
        this.rejectedCount += report.refused === undefined ? report.rejected.length : batch.length
      })
    }
    return this.chain
  }
}
