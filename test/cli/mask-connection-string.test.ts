import { afterEach, describe, expect, it } from 'vitest'
import { maskConnectionString, scrubConnectionSecrets } from '../../adapters/cli/mask-connection-string.js'
import type { Workspace } from './support.js'
import { workspace } from './support.js'

let ws: Workspace | undefined
afterEach(() => {
  ws?.dispose()
  ws = undefined
})

describe('S2: connection strings in messages', () => {
  it('S2: masks the userinfo password and every credential-bearing query parameter, and keeps the rest', () => {
    const masked = maskConnectionString(
      'postgres://kim:pw-one@db.example:5432/registry?sslmode=verify-full&password=pw-two&sslpassword=pw-three&sslkey=/keys/client.key&sslcert=/keys/c.crt&passfile=/p&application_name=app',
    )
    expect(masked).toBe(
      'postgres://kim:***@db.example:5432/registry?sslmode=verify-full&password=***&sslpassword=***&sslkey=***&sslcert=***&passfile=***&application_name=app',
    )
    expect(maskConnectionString('postgresql://db/registry?PassWord=x')).toBe('postgresql://db/registry?PassWord=***')
    expect(maskConnectionString('postgres://db/registry')).toBe('postgres://db/registry')
    expect(maskConnectionString('postgres://kim:pw@[::1')).toBe('(unparsable URL)')
  })

  it('S2: a driver message that repeats the connection string or a secret is scrubbed', () => {
    const url = 'postgres://kim:pw-one@db/r?password=p%40ss-two'
    expect(scrubConnectionSecrets(`bad ${url}: p@ss-two and pw-one`, url)).toBe('bad postgres://kim:***@db/r?password=***: *** and ***')
  })

  it('S2: a connection error never shows a password given as ?password= or ?sslpassword= (exit 1)', async () => {
    ws = workspace()
    for (const command of [['migrate'], ['profile', 'kim']]) {
      const result = await ws.run([...command, '--db', 'postgres://someone:s3cret-one@127.0.0.1:1/none?password=s3cret-two&sslpassword=s3cret-three'])
      expect(result.code, command[0]).toBe(1)
      expect(result.stderr, command[0]).toMatch(/cannot use PostgreSQL postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/none\?password=\*\*\*&sslpassword=\*\*\*/)
      expect(result.stderr, command[0]).not.toMatch(/s3cret/)
    }
  })
})
