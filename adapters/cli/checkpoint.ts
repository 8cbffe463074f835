import { open, readFile, rename, rm } from 'node:fs/promises'
import { failure, usageError } from './cli-error.js'

/** Where an ingest stands after its last committed batch. */
export interface Checkpoint {
  readonly version: 1
  /** The input file, as resolved; a checkpoint of another file is refused. */
  readonly file: string
  /** The store the batches were committed to, as `describeStore` words it: resuming into another store would skip lines it never got. */
  readonly store: string
  /** Byte offset of the first line not yet applied. */
  readonly offset: number
  /** Number of the last line applied (0 before any). */
  readonly line: number
  readonly accepted: number
  readonly rejected: number
  /** Size of the rejects file at that point: a run resuming cuts it back there, so the lines of a batch that was not committed are not reported twice. */
  readonly rejectsBytes: number
  readonly updatedAt: string
}

const isCheckpoint = (u: unknown): u is Checkpoint => {
  if (typeof u !== 'object' || u === null) return false
  const c = u as Record<string, unknown>
  return (
    c['version'] === 1 &&
    typeof c['file'] === 'string' &&
    typeof c['store'] === 'string' &&
    ['offset', 'line', 'accepted', 'rejected', 'rejectsBytes'].every((k) => Number.isSafeInteger(c[k]) && (c[k] as number) >= 0)
  )
}

/** The checkpoint at `path`, or `null` when there is none. */
export const readCheckpoint = async (path: string): Promise<Checkpoint | null> => {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw failure(`cannot read the checkpoint ${path}: ${(error as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = null
  }
  if (!isCheckpoint(parsed)) throw usageError(`the checkpoint ${path} is not one push-registry wrote; remove it or pass --restart`)
  return parsed
}

/**
 * Replaces the checkpoint atomically: written to a temporary file, then renamed over the old
 * one, so a crash leaves either the previous checkpoint or the new one, never half of one.
 */
export const writeCheckpoint = async (path: string, checkpoint: Checkpoint): Promise<void> => {
  const temporary = `${path}.${process.pid}.tmp`
  const handle = await open(temporary, 'w')
  try {
    await handle.writeFile(`${JSON.stringify(checkpoint)}\n`)
    // Flushed before the rename: otherwise a power cut could leave the new name on empty data.
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temporary, path)
}

/** Removes a checkpoint (after `--restart`); a missing one is fine. */
export const removeCheckpoint = async (path: string): Promise<void> => {
  await rm(path, { force: true })
}
