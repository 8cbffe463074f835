import type { RecordKey, StoragePort } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'

/**
 * A memory store that counts what the registry reads and writes: record keys, and bytes of the
 * records (JSON). What D14's tests measure instead of time.
 */
export const measuringStorage = () => {
  const inner = createMemoryStorage()
  let keysRead = 0
  let bytesRead = 0
  let bytesWritten = 0
  const storage: StoragePort = Object.assign(Object.create(inner) as StoragePort, {
    read: async (keys: readonly RecordKey[]) => {
      const found = await inner.read(keys)
      keysRead += keys.length
      for (const stored of found) bytesRead += stored === undefined ? 0 : JSON.stringify(stored.record).length
      return found
    },
    commit: (writes: Parameters<StoragePort['commit']>[0], options?: Parameters<StoragePort['commit']>[1]) => {
      for (const write of writes) bytesWritten += JSON.stringify(write.record).length
      return inner.commit(writes, options)
    },
  })
  return {
    storage,
    reset: () => {
      keysRead = 0
      bytesRead = 0
      bytesWritten = 0
    },
    measured: () => ({ keysRead, bytesRead, bytesWritten }),
  }
}
