import { defineConfig } from 'tsup'

// Adapters import the core through its package name, as an outside author would, so the
// package name stays external: the built adapter resolves `push-registry` at run time through
// the package's own `exports` map instead of carrying a second copy of the core.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'fp/index': 'src/fp/index.ts',
    'http/index': 'src/http/index.ts',
    'testing/index': 'src/testing/index.ts',
    'adapters/memory/index': 'adapters/memory/index.ts',
    'adapters/postgres/index': 'adapters/postgres/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: ['push-registry', 'push-registry/testing', 'fp-ts', 'io-ts', 'eventemitter3', 'vitest', 'fast-check', 'pg', '@electric-sql/pglite'],
})
