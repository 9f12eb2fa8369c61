import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fingerprint, generateKeyPair, publicOf, spkiDer } from '@warrant/core'
import type { Db } from '../db/open.js'
import { nowIso } from '../ids.js'

/** The master key that wraps the instance and log keys at rest (EVIDENCE.md §8.1). */
export interface MasterKey {
  key: Buffer
  id: string
  insecure: boolean
}

export class MasterKeyError extends Error {}

export function masterKey(source: {
  value?: string | undefined
  file?: string | undefined
  insecure?: boolean
}): MasterKey {
  let key: Buffer
  let insecure = false
  if (source.value !== undefined || source.file !== undefined) {
    const text = source.value ?? readFileSync(source.file!, 'utf8').trim()
    key = Buffer.from(text, 'base64')
    if (key.length !== 32 || key.toString('base64') !== text)
      throw new MasterKeyError(
        'WARRANT_MASTER_KEY must be the base64 of exactly 32 random bytes (openssl rand -base64 32)',
      )
  } else if (source.insecure) {
    // Development only: a fixed, public key. Every start warns and the keys are published as insecure.
    key = createHash('sha256').update('warrant/dev-insecure-master-key').digest()
    insecure = true
  } else {
    throw new MasterKeyError(
      'no master key: set WARRANT_MASTER_KEY (openssl rand -base64 32) or WARRANT_MASTER_KEY_FILE; for a throwaway local trial, WARRANT_DEV_INSECURE_MASTER_KEY=1',
    )
  }
  const id = createHash('sha256').update('warrant/master-key-id/v1').update(key).digest('hex').slice(0, 16)
  return { key, id, insecure }
}

export type KeyPurpose = 'instance' | 'log'

const label = (purpose: KeyPurpose, fp: string) => `warrant/key-wrap/v1/${purpose}/${fp}`
const aad = (purpose: KeyPurpose, fp: string) => Buffer.from(`warrant/key-wrap/v1|${purpose}|${fp}`)
const kek = (master: MasterKey, purpose: KeyPurpose, fp: string, salt: Buffer) =>
  Buffer.from(hkdfSync('sha256', master.key, salt, Buffer.from(label(purpose, fp)), 32))

export function wrapKey(master: MasterKey, purpose: KeyPurpose, privateKey: KeyObject) {
  const fp = fingerprint(privateKey)
  const salt = randomBytes(16)
  const nonce = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', kek(master, purpose, fp, salt), nonce)
  cipher.setAAD(aad(purpose, fp))
  const ciphertext = Buffer.concat([cipher.update(privateKey.export({ type: 'pkcs8', format: 'der' })), cipher.final()])
  return {
    fingerprint: fp,
    public_spki: spkiDer(privateKey),
    salt,
    nonce,
    ciphertext,
    tag: cipher.getAuthTag(),
    master_key_id: master.id,
  }
}

export function unwrapKey(
  master: MasterKey,
  row: {
    purpose: string
    fingerprint: string
    salt: Uint8Array
    nonce: Uint8Array
    ciphertext: Uint8Array
    tag: Uint8Array
    master_key_id: string
  },
): KeyObject {
  const purpose = row.purpose as KeyPurpose
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      kek(master, purpose, row.fingerprint, Buffer.from(row.salt)),
      Buffer.from(row.nonce),
    )
    decipher.setAAD(aad(purpose, row.fingerprint))
    decipher.setAuthTag(Buffer.from(row.tag))
    const der = Buffer.concat([decipher.update(Buffer.from(row.ciphertext)), decipher.final()])
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    if (fingerprint(key) !== row.fingerprint) throw new Error('fingerprint mismatch')
    return key
  } catch {
    throw new MasterKeyError(
      `the ${purpose} key ${row.fingerprint.slice(0, 16)}… does not open with this master key (id ${master.id}); it was wrapped with master key id ${row.master_key_id}`,
    )
  }
}

export interface ActiveKey {
  fingerprint: string
  privateKey: KeyObject
  publicKey: KeyObject
  created: boolean
}

/** Loads the active key of a purpose, creating it on first start (instance: ECDSA P-256, log: Ed25519). */
export async function activeKey(db: Db, master: MasterKey, purpose: KeyPurpose): Promise<ActiveKey> {
  const row = await db
    .selectFrom('instance_keys')
    .selectAll()
    .where('purpose', '=', purpose)
    .where('status', '=', 'active')
    .executeTakeFirst()
  if (row) {
    const privateKey = unwrapKey(master, row)
    return { fingerprint: row.fingerprint, privateKey, publicKey: publicOf(privateKey), created: false }
  }
  const { privateKey, publicKey } = generateKeyPair(purpose === 'instance' ? 'ecdsa-p256' : 'ed25519')
  const wrapped = wrapKey(master, purpose, privateKey)
  await db
    .insertInto('instance_keys')
    .values({ purpose, ...wrapped, status: 'active', created_at: nowIso(), retired_at: null, log_index: null })
    .execute()
  return { fingerprint: wrapped.fingerprint, privateKey, publicKey, created: true }
}
