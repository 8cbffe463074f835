import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A TLS key and certificate, PEM. */
export interface CertificatePair {
  readonly key: string
  readonly cert: string
}

/**
 * Makes a throw-away self-signed P-256 certificate for `hostname` with /usr/bin/openssl, valid
 * for a day. The peer serves it and clients trust it as their only CA, so tests verify TLS the
 * way production does instead of turning verification off.
 */
export const selfSignedCertificate = (hostname: string): CertificatePair => {
  const dir = mkdtempSync(join(tmpdir(), 'webpush-peer-'))
  try {
    const keyPath = join(dir, 'key.pem')
    const certPath = join(dir, 'cert.pem')
    execFileSync(
      '/usr/bin/openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', keyPath, '-out', certPath, '-days', '1',
        '-subj', `/CN=${hostname}`, '-addext', `subjectAltName=DNS:${hostname}`,
      ],
      { stdio: 'pipe' },
    )
    return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
