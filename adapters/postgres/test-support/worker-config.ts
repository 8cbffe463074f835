/** What a parent test tells an ingest worker (`ingest-worker.ts`), as JSON in one env variable. */

/** The env variable the worker reads its {@link WorkerConfig} from. */
export const workerConfigVariable = 'PUSH_REGISTRY_WORKER'

/** One worker's job. The workloads are rebuilt in the worker from their parameters. */
export type WorkerConfig =
  | {
      readonly workload: 'kill'
      readonly url: string
      readonly schema: string
      /** Inputs of the kill workload. */
      readonly count: number
      /** Inputs per `registry.ingest` call. */
      readonly batch: number
    }
  | {
      readonly workload: 'race'
      readonly url: string
      readonly schema: string
      /** Inputs of the race workload (all workers build the same list). */
      readonly count: number
      readonly worker: number
      readonly workers: number
      /** Inputs per slice; each slice is one `registry.ingest` call. */
      readonly slice: number
    }
