import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: {
    alias: {
      'push-registry/testing': here('./src/testing/index.ts'),
      'push-registry/memory': here('./adapters/memory/index.ts'),
      'push-registry/postgres': here('./adapters/postgres/index.ts'),
      'push-registry/apns': here('./adapters/apns/index.ts'),
      'push-registry/fcm': here('./adapters/fcm/index.ts'),
      'push-registry/webpush': here('./adapters/webpush/index.ts'),
      'push-registry/fp': here('./src/fp/index.ts'),
      'push-registry/http': here('./src/http/index.ts'),
      'push-registry': here('./src/index.ts'),
    },
  },
  test: {
    include: ['test/**/*.test.ts', 'adapters/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
