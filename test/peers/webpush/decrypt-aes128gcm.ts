import { createDecipheriv, createECDH, hkdfSync } from 'node:crypto'

/** Why a body could not be decrypted; the peer answers 400 with it. */
export class DecryptError extends Error {
  override readonly name = 'DecryptError'
}

/** The receiving side's keys of one subscription (RFC 8291 §2: the user agent's). */
export interface ReceiverKeys {
  /** Uncompressed P-256 public key, 65 bytes (`p256dh`). */
  readonly publicKey: Buffer
  /** The matching private key, 32 bytes. */
  readonly privateKey: Buffer
  /** The 16-byte authentication secret (`auth`). */
  readonly authSecret: Buffer
}

const tagLength = 16
const headerFixedLength = 16 + 4 + 1

const hkdf = (ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer =>
  Buffer.from(hkdfSync('sha256', ikm, salt, info, length))

/**
 * Decrypts an RFC 8291 `aes128gcm` Web Push body: parses the RFC 8188 header (salt, record
 * size, key id = the sender's ephemeral public key), derives the input keying material from
 * ECDH and the auth secret, then the content key and nonce, and opens every record, checking
 * the padding delimiters (1 before the last record, 2 in it). Written from the RFCs, without
 * the `web-push` package, so that the adapter (which encrypts with it) is checked against an
 * independent reading of the protocol.
 */
export const decryptAes128gcm = (body: Buffer, keys: ReceiverKeys): Buffer => {
  if (body.length < headerFixedLength) throw new DecryptError('body shorter than the aes128gcm header')
  const salt = body.subarray(0, 16)
  const recordSize = body.readUInt32BE(16)
  const keyIdLength = body.readUInt8(20)
  if (recordSize < 18) throw new DecryptError(`record size ${recordSize} below the minimum of 18`)
  // RFC 8291 §4: the key id is the sender's uncompressed P-256 public key.
  if (keyIdLength !== 65) throw new DecryptError(`key id of ${keyIdLength} bytes, expected 65`)
  const senderPublicKey = body.subarray(headerFixedLength, headerFixedLength + keyIdLength)
  const records = body.subarray(headerFixedLength + keyIdLength)
  if (records.length === 0) throw new DecryptError('no record after the header')

  let ecdhSecret: Buffer
  try {
    const ecdh = createECDH('prime256v1')
    ecdh.setPrivateKey(keys.privateKey)
    ecdhSecret = ecdh.computeSecret(senderPublicKey)
  } catch {
    throw new DecryptError('the key id is not a valid P-256 public key')
  }
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0', 'latin1'), keys.publicKey, senderPublicKey])
  const ikm = hkdf(ecdhSecret, keys.authSecret, keyInfo, 32)
  const contentKey = hkdf(ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0', 'latin1'), 16)
  const baseNonce = hkdf(ikm, salt, Buffer.from('Content-Encoding: nonce\0', 'latin1'), 12)

  const plaintexts: Buffer[] = []
  const count = Math.ceil(records.length / recordSize)
  for (let seq = 0; seq < count; seq += 1) {
    const record = records.subarray(seq * recordSize, (seq + 1) * recordSize)
    const last = seq === count - 1
    if (record.length <= tagLength) throw new DecryptError(`record ${seq} too short`)
    const padded = openRecord(record, contentKey, recordNonce(baseNonce, seq), seq)
    plaintexts.push(unpad(padded, last, seq))
  }
  return Buffer.concat(plaintexts)
}

/**
 * RFC 8188 §2.3: the nonce of record `seq` is the base nonce XOR the 96-bit sequence number;
 * a body has far fewer than 2^32 records, so only the last four octets change.
 */
const recordNonce = (base: Buffer, seq: number): Buffer => {
  const nonce = Buffer.from(base)
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8)
  return nonce
}

const openRecord = (record: Buffer, key: Buffer, nonce: Buffer, seq: number): Buffer => {
  const decipher = createDecipheriv('aes-128-gcm', key, nonce)
  decipher.setAuthTag(record.subarray(record.length - tagLength))
  try {
    return Buffer.concat([decipher.update(record.subarray(0, record.length - tagLength)), decipher.final()])
  } catch {
    throw new DecryptError(`record ${seq} failed authentication`)
  }
}

/** RFC 8188 §2: data, then a delimiter octet (2 in the last record, 1 before), then zeros. */
const unpad = (padded: Buffer, last: boolean, seq: number): Buffer => {
  let end = padded.length - 1
  while (end >= 0 && padded[end] === 0) end -= 1
  if (end < 0) throw new DecryptError(`record ${seq} has no padding delimiter`)
  const delimiter = padded[end]
  if (delimiter !== (last ? 2 : 1)) throw new DecryptError(`record ${seq} has delimiter ${delimiter}, expected ${last ? 2 : 1}`)
  return padded.subarray(0, end)
}
