import { createPrivateKey } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { FcmConfigError } from './errors.js'

/**
 * The fields of a Google service-account key file (the JSON the Firebase console downloads)
 * that the adapter reads. Other fields of the file are accepted and ignored.
 */
export interface ServiceAccount {
  readonly project_id: string
  readonly client_email: string
  /** PEM, PKCS#8 (`-----BEGIN PRIVATE KEY-----`) as Google issues it; PKCS#1 works too. */
  readonly private_key: string
  /** Where the signed assertion is exchanged for an access token. */
  readonly token_uri?: string
}

/** A service account checked once, with its key parsed. */
export interface LoadedServiceAccount {
  readonly projectId: string
  readonly clientEmail: string
  readonly key: KeyObject
}

const nonEmpty = (value: unknown, option: string): string => {
  if (typeof value !== 'string' || value.trim() === '') throw new FcmConfigError(option, 'must be a non-empty string')
  return value
}

/** Checks a service account and parses its key; throws `FcmConfigError` naming the bad field. */
export const loadServiceAccount = (account: ServiceAccount): LoadedServiceAccount => {
  const projectId = nonEmpty(account.project_id, 'serviceAccount.project_id')
  const clientEmail = nonEmpty(account.client_email, 'serviceAccount.client_email')
  const pem = nonEmpty(account.private_key, 'serviceAccount.private_key')
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch {
    // The parser's own message is dropped on purpose: it may quote the key material.
    throw new FcmConfigError('serviceAccount.private_key', 'is not a PEM private key')
  }
  if (key.asymmetricKeyType !== 'rsa') throw new FcmConfigError('serviceAccount.private_key', 'must be an RSA key (RS256)')
  return { projectId, clientEmail, key }
}
