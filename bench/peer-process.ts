import { fork } from 'node:child_process'

/**
 * A loopback protocol peer in a child process of its own, so that the peer's work (decrypting,
 * verifying, answering) does not share the event loop it is measured against. The child speaks
 * over IPC: it sends `{ type: 'ready', … }` once listening, answers requests with typed
 * messages, and exits on the request its bench names as `close`.
 */
export interface PeerProcess<Message extends { readonly type: string }, Request> {
  /** What the peer announced when it was ready (its origin, CA, credentials…). */
  readonly ready: Extract<Message, { readonly type: 'ready' }>
  /** Sends `request` and waits for the first message of type `answer`. */
  readonly ask: <T extends Message['type']>(request: Request, answer: T) => Promise<Extract<Message, { readonly type: T }>>
  /** Sends `request` (the peer's close request) and waits for the process to exit. */
  readonly close: (request: Request) => Promise<void>
}

/** Forks the peer at `path` (a TypeScript module, run through tsx) and waits until it is ready. */
export const forkPeerProcess = async <Message extends { readonly type: string }, Request>(
  path: string,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<PeerProcess<Message, Request>> => {
  const child = fork(path, [], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const next = <T extends Message['type']>(type: T): Promise<Extract<Message, { readonly type: T }>> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: Message): void => {
        if (message.type !== type) return
        child.off('message', onMessage)
        child.off('exit', onExit)
        resolve(message as Extract<Message, { readonly type: T }>)
      }
      const onExit = (code: number | null): void => reject(new Error(`the ${name} peer process exited (${code})`))
      child.on('message', onMessage)
      child.once('exit', onExit)
    })
  const ready = await next('ready')
  return {
    ready,
    ask: (request, answer) => {
      const pending = next(answer)
      child.send(request as object)
      return pending
    },
    close: async (request) => {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve()
        else child.once('exit', () => resolve())
      })
      child.send(request as object)
      await exited
    },
  }
}

/** Runs `count` sends with at most `window` in flight. */
export const runWindow = async (count: number, window: number, sendOne: (i: number) => Promise<void>): Promise<void> => {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next
      next += 1
      await sendOne(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(window, count) }, worker))
}
