import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HttpHandler, HttpHandlerOptions } from 'push-registry/http'
import { createHttpHandler, UiConfigError } from 'push-registry/http'
import { failure, usageError } from '../cli-error.js'
import type { CliIo } from '../cli-io.js'
import { say } from '../cli-io.js'
import type { ExitCode } from '../exit-codes.js'
import { exitCodes } from '../exit-codes.js'
import { openRegistry } from '../open-registry.js'
import { describeStore } from '../open-store.js'
import { expectPositionals, integerOption, parseOptions, registryOptions, secondsOption } from '../parse-options.js'

const options = {
  ...registryOptions,
  port: { type: 'string' },
  host: { type: 'string' },
  quiet: { type: 'boolean' },
  'grace-period': { type: 'string' },
} as const

/** How long a stop waits for the requests in flight by default, in seconds. */
const defaultGraceSeconds = 10

/**
 * `push-registry serve`: the HTTP API of `push-registry/http` on `node:http`, until the signal
 * (SIGINT/SIGTERM in `main.ts`) aborts; then the server stops accepting, gives the requests in
 * flight at most `--grace-period` seconds to finish, closes what remains, and the registry
 * closes its storage.
 */
export const serveCommand = async (args: readonly string[], io: CliIo): Promise<ExitCode> => {
  const { values, positionals } = parseOptions('serve', args, options)
  expectPositionals('serve', positionals, [])
  const port = integerOption('serve', 'port', values.port ?? io.env['PORT'], 8080, 0, 65_535)
  const host = values.host ?? '127.0.0.1'
  const graceSeconds = secondsOption('serve', 'grace-period', values['grace-period'], defaultGraceSeconds, 3600)
  const { registry, config, store } = await openRegistry(io, { ...values, note: (line) => say(io, `serve: ${line}`) })
  try {
    if (Object.keys(config.keys).length === 0) {
      throw usageError(`serve: no API key configured: add "appKeys": { "<appId>": "<secret>" } to ${config.path} or set PUSH_REGISTRY_KEYS`)
    }
    const handler = buildHandler(config.path, {
      registry,
      keys: config.keys,
      ...(config.ui === undefined ? {} : { ui: config.ui }),
      ...(values.quiet === true ? {} : { log: (line: string) => say(io, line) }),
    })
    let stopping = false
    // The handlers still running: the storage closes only once they have all settled.
    const running = new Set<Promise<void>>()
    const server = createServer((req, res) => {
      // A request that arrives on a kept-alive connection during the stop is its last one.
      if (stopping) res.setHeader('connection', 'close')
      // Each answer that ends during the stop leaves its connection idle: close it at once.
      res.once('close', () => {
        if (stopping) setImmediate(() => server.closeIdleConnections())
      })
      const handled = handler.node(req, res)
      running.add(handled)
      void handled.finally(() => running.delete(handled))
    })
    await listen(server, port, host)
    const address = server.address() as AddressInfo
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
    say(io, `serve: listening on http://${shown}:${address.port} (${describeStore(store)})`)
    if (config.ui !== undefined) say(io, `serve: profile page at http://${shown}:${address.port}/ui`)
    await stopped(io.signal, server)
    say(io, 'serve: stopping')
    stopping = true
    if (server.listening) await shutDown(io, server, graceSeconds)
    await Promise.all(running)
    return exitCodes.ok
  } finally {
    await registry.close()
  }
}

type Server = ReturnType<typeof createServer>

/**
 * Stops accepting connections, closes the idle ones, waits at most `graceSeconds` for the
 * requests in flight, then destroys the connections that remain: a client trickling its body
 * must not keep the process up.
 */
const shutDown = async (io: CliIo, server: Server, graceSeconds: number): Promise<void> => {
  const closed = once(server, 'close')
  server.close()
  server.closeIdleConnections()
  let timer: NodeJS.Timeout | undefined
  const graceOver = new Promise<'grace over'>((resolve) => (timer = setTimeout(() => resolve('grace over'), graceSeconds * 1000)))
  const first = await Promise.race([closed.then(() => 'closed' as const), graceOver])
  clearTimeout(timer)
  if (first === 'closed') return
  const open = await new Promise<number>((resolve) => server.getConnections((_, count) => resolve(count)))
  say(io, `serve: ${open} connection(s) still open after the ${graceSeconds} s grace period: closing them`)
  server.closeAllConnections()
  await closed
}

/** Starts listening; a port in use or a bad host is a runtime failure naming them. */
const listen = (server: Server, port: number, host: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening)
      reject(failure(`serve: cannot listen on ${host}:${port} (${error.code ?? error.message})`))
    }
    const onListening = (): void => {
      server.off('error', onError)
      resolve()
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })

/** Resolves when the signal aborts or the server closes on its own. */
const stopped = (signal: AbortSignal | undefined, server: Server): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted === true) return resolve()
    signal?.addEventListener('abort', () => resolve(), { once: true })
    server.once('close', () => resolve())
  })

/** The handler; weak profile-page settings are a config error (exit 2) naming the option, never its value. */
const buildHandler = (configPath: string, options: HttpHandlerOptions): HttpHandler => {
  try {
    return createHttpHandler(options)
  } catch (error) {
    if (error instanceof UiConfigError) throw usageError(`config ${configPath} is not valid:\n  ${error.path} (S3) ${error.message.slice(error.path.length + 1)}`)
    throw error
  }
}
