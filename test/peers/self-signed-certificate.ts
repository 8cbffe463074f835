import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A TLS key and certificate, PEM. */
export interface CertificatePair {
  readonly key: string
  readonly cert: string
}

/** Who the certificate is for: IP addresses and host names, as subjectAltName entries. */
export interface CertificateSubject {
  readonly ip?: readonly string[]
  readonly dns?: readonly string[]
}

/**
 * A throw-away self-signed P-256 certificate for `subject`, made with /usr/bin/openssl and
 * valid for a day. Every peer serves one and its clients trust it as their only CA (the
 * adapters' `tls.ca` or agent), so the tests verify TLS as production does instead of turning
 * verification off.
 */
export const selfSignedCertificate = (subject: CertificateSubject): CertificatePair => {
  const names = [...(subject.ip ?? []).map((ip) => `IP:${ip}`), ...(subject.dns ?? []).map((dns) => `DNS:${dns}`)]
  const commonName = subject.ip?.[0] ?? subject.dns?.[0] ?? 'localhost'
  const dir = mkdtempSync(join(tmpdir(), 'push-peer-'))
  try {
    const keyPath = join(dir, 'key.pem')
    const certPath = join(dir, 'cert.pem')
    execFileSync(
      '/usr/bin/openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', keyPath, '-out', certPath, '-days', '1',
        '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=${names.join(',')}`,
      ],
      { stdio: 'pipe' },
    )
    return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A certificate for 127.0.0.1 and `localhost`: what a peer listening on loopback serves. */
export const loopbackCertificate = (): CertificatePair => selfSignedCertificate({ ip: ['127.0.0.1'], dns: ['localhost'] })
