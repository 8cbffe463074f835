import { defineConfig } from 'tsup'

// Adapters import the core through its package name, as an outside author would, so the
// package name stays external: the built adapter resolves `push-registry` at run time through
// the package's own `exports` map instead of carrying a second copy of the core.
const external = [
  'push-registry',
  'push-registry/testing',
  'push-registry/http',
  'push-registry/memory',
  'push-registry/postgres',
  'fp-ts',
  'io-ts',
  'eventemitter3',
  'vitest',
  'fast-check',
  'pg',
  '@electric-sql/pglite',
  'web-push',
  '@opentelemetry/api',
]

// The two builds run side by side, so neither cleans: `npm run build` empties dist first.
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'fp/index': 'src/fp/index.ts',
      'http/index': 'src/http/index.ts',
      'adapters/memory/index': 'adapters/memory/index.ts',
      'adapters/postgres/index': 'adapters/postgres/index.ts',
      'adapters/apns/index': 'adapters/apns/index.ts',
      'adapters/fcm/index': 'adapters/fcm/index.ts',
      'adapters/webpush/index': 'adapters/webpush/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: false,
    target: 'node20',
    external,
  },
  // The conformance kit runs inside vitest, which refuses to be loaded by require(): a CJS
  // build could only throw, so the kit is ES modules only (a CJS project's test files are
  // still ES modules to vitest, so they import it as they import vitest).
  {
    entry: { 'testing/index': 'src/testing/index.ts' },
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: false,
    target: 'node20',
    external,
  },
  // The command line is an ES module program, not a library: no CJS twin, no declarations.
  // It imports the library through the package name, so it carries no copy of the core.
  {
    entry: { 'cli/main': 'adapters/cli/main.ts' },
    format: ['esm'],
    dts: false,
    sourcemap: true,
    clean: false,
    target: 'node20',
    external,
  },
])
