import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A TLS key and certificate, PEM. */
export interface LoopbackCertificate {
  readonly key: string
  readonly cert: string
}

/**
 * A throw-away self-signed P-256 certificate for 127.0.0.1 (and `localhost`), made with
 * /usr/bin/openssl and valid for a day. Clients trust it as their only CA (the adapter's
 * `tls.ca`), so certificate verification stays on in tests, as in production.
 */
export const loopbackCertificate = (): LoopbackCertificate => {
  const dir = mkdtempSync(join(tmpdir(), 'apns-peer-'))
  try {
    const keyPath = join(dir, 'key.pem')
    const certPath = join(dir, 'cert.pem')
    execFileSync(
      '/usr/bin/openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=127.0.0.1',
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'pipe' },
    )
    return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
