import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'

/**
 * Sends `head` (a request line and headers, CRLF-separated, without the blank line) on a fresh
 * connection, byte for byte as given — unlike `fetch`, which normalises the path first — and
 * resolves the status code of the answer.
 */
export const rawStatus = (server: Server, head: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const { port } = server.address() as AddressInfo
    const socket = connect(port, '127.0.0.1', () => socket.write(`${head}\r\nconnection: close\r\n\r\n`))
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => {
      text += chunk
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text)
      if (match !== null) {
        socket.destroy()
        resolve(Number(match[1]))
      }
    })
    socket.on('error', reject)
    socket.on('close', () => reject(new Error(`no answer to ${JSON.stringify(head)}: ${JSON.stringify(text)}`)))
  })
