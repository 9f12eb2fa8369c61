import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
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
    let text: string
    try {
      text = source.value ?? readFileSync(source.file!, 'utf8').trim()
    } catch (e) {
      throw new MasterKeyError(`cannot read the master key file ${source.file}: ${(e as Error).message}`)
    }
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

export const spkiPublicKey = (spki: Uint8Array): KeyObject =>
  createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })

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

export type PublicKeyRef = Pick<ActiveKey, 'fingerprint' | 'publicKey'>

export interface ActiveKey {
  fingerprint: string
  privateKey: KeyObject
  publicKey: KeyObject
  created: boolean
}

const KEY_ALGORITHM = { instance: 'ecdsa-p256', log: 'ed25519' } as const

/** Generates a key of a purpose (instance: ECDSA P-256, log: Ed25519) and stores it, wrapped, as the active one. */
async function createActiveKey(db: Db, master: MasterKey, purpose: KeyPurpose, at: string): Promise<ActiveKey> {
  const { privateKey, publicKey } = generateKeyPair(KEY_ALGORITHM[purpose])
  const wrapped = wrapKey(master, purpose, privateKey)
  await db
    .insertInto('instance_keys')
    .values({ purpose, ...wrapped, status: 'active', created_at: at, retired_at: null, log_index: null })
    .execute()
  return { fingerprint: wrapped.fingerprint, privateKey, publicKey, created: true }
}

/** Loads the active key of a purpose, creating it on first start. */
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
  return createActiveKey(db, master, purpose, nowIso())
}

/**
 * The fingerprint of the active key of a purpose, as committed when `trx` reads it. With `share` the row is read
 * FOR SHARE, so a rotation (which retires that row) waits until `trx` commits. A rotation that commits while the read
 * waits leaves the read's snapshot with no active row; the read is then repeated and sees the new key.
 */
export async function activeFingerprint(trx: Db, purpose: KeyPurpose, share: boolean): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    let q = trx
      .selectFrom('instance_keys')
      .select('fingerprint')
      .where('purpose', '=', purpose)
      .where('status', '=', 'active')
    if (share) q = q.forShare()
    const row = await q.executeTakeFirst()
    if (row) return row.fingerprint
  }
  throw new Error(`no active ${purpose} key`)
}

/** Opens a stored key by fingerprint; a MasterKeyError when it is wrapped with another master key. */
export async function openKey(db: Db, master: MasterKey, fp: string): Promise<ActiveKey> {
  const row = await db.selectFrom('instance_keys').selectAll().where('fingerprint', '=', fp).executeTakeFirstOrThrow()
  const privateKey = unwrapKey(master, row)
  return { fingerprint: row.fingerprint, privateKey, publicKey: publicOf(privateKey), created: false }
}

/**
 * Rotation (EVIDENCE.md §8.2), inside the caller's transaction: retires the active key of a purpose (kept and
 * published, never used again) and stores a new active one.
 */
export async function replaceActiveKey(
  trx: Db,
  master: MasterKey,
  purpose: KeyPurpose,
  at: string,
): Promise<{ key: ActiveKey; previous: PublicKeyRef }> {
  const retired = await trx
    .updateTable('instance_keys')
    .set({ status: 'retired', retired_at: at })
    .where('purpose', '=', purpose)
    .where('status', '=', 'active')
    .returning(['fingerprint', 'public_spki'])
    .executeTakeFirstOrThrow()
  return {
    key: await createActiveKey(trx, master, purpose, at),
    previous: { fingerprint: retired.fingerprint, publicKey: spkiPublicKey(retired.public_spki) },
  }
}

/**
 * `warrant serve --rewrap-keys` (§8.1): re-encrypts every stored key, active and retired, from the old master key to
 * the current one in one transaction. Keys already under the current master key are checked to open with it. Any key
 * that opens with neither throws a MasterKeyError naming the master key id it expects, and nothing changes.
 */
export async function rewrapKeys(db: Db, old: MasterKey, current: MasterKey): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('instance_keys').selectAll().orderBy('created_at').execute()
    let rewrapped = 0
    for (const row of rows) {
      if (row.master_key_id === current.id) {
        unwrapKey(current, row)
        continue
      }
      if (row.master_key_id !== old.id)
        throw new MasterKeyError(
          `the old master key has id ${old.id}, but the ${row.purpose} key ${row.fingerprint.slice(0, 16)}… is wrapped with master key id ${row.master_key_id}; nothing was changed`,
        )
      const { salt, nonce, ciphertext, tag, master_key_id } = wrapKey(
        current,
        row.purpose as KeyPurpose,
        unwrapKey(old, row),
      )
      await trx
        .updateTable('instance_keys')
        .set({ salt, nonce, ciphertext, tag, master_key_id })
        .where('fingerprint', '=', row.fingerprint)
        .execute()
      rewrapped++
    }
    return rewrapped
  })
}
