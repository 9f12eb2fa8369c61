import { createHash, type KeyObject, sign } from 'node:crypto'
import {
  AUDIT_MANIFEST_PAYLOAD_TYPE,
  AUDIT_SECTIONS,
  canonicalJson,
  docDigest,
  generateKeyPair,
  signEnvelope,
  textDigest,
} from '@warrant/core'
import { masterKey, unwrapKey } from '../../server/src/services/instance-keys.js'
import { type Running, TEST_MASTER_KEY } from '../../server/test/helpers.js'

/**
 * What a dishonest (or compromised) platform can do that a tampering outsider cannot: sign a package it changed with its
 * own, pinned instance key. The audit suites use it to check the checks that must hold even then (E1, E2, L3, V1).
 */

/** The platform's active instance key, opened from its store with the tests' master key. */
export async function instanceKey(running: Running): Promise<KeyObject> {
  const row = await running.server.store.db
    .selectFrom('instance_keys')
    .selectAll()
    .where('purpose', '=', 'instance')
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow()
  return unwrapKey(masterKey({ value: TEST_MASTER_KEY }), row)
}

/** Signs a changed package's manifest again: every section digest and the checkpoint digest recomputed. */
export function resign(p: any, key: KeyObject) {
  const manifest = JSON.parse(Buffer.from(p.manifest.payload, 'base64').toString('utf8'))
  manifest.sections = Object.fromEntries(AUDIT_SECTIONS.map((s) => [s, docDigest(p.sections[s])]))
  manifest.checkpoint_digest = textDigest(p.sections.log.checkpoint)
  p.manifest = signEnvelope(
    AUDIT_MANIFEST_PAYLOAD_TYPE,
    new TextEncoder().encode(canonicalJson(manifest)),
    key,
    p.manifest.signatures[0].keyid,
  )
}

/**
 * A test witness (C2SP tlog-cosignature, Ed25519), written out here from the specification rather than with core's
 * helpers, so the audit's verification is checked against an independent signer.
 */
export function testWitness(name: string) {
  const { privateKey, publicKey } = generateKeyPair('ed25519')
  const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32)
  const keyId = createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([0x04]), raw]))
    .digest()
    .subarray(0, 4)
  return {
    name,
    vkey: `${name}+${keyId.toString('hex')}+${Buffer.concat([Buffer.from([0x04]), raw]).toString('base64')}`,
    /** The note with this witness's cosignature line added; `signedTime` differing from `time` forges a bad one. */
    cosign(note: string, time: number, signedTime = time): string {
      const body = note.slice(0, note.indexOf('\n\n') + 1)
      const signature = sign(null, Buffer.from(`cosignature/v1\ntime ${signedTime}\n${body}`), privateKey)
      const stamp = Buffer.alloc(8)
      stamp.writeBigUInt64BE(BigInt(time))
      return `${note}\u2014 ${name} ${Buffer.concat([keyId, stamp, signature]).toString('base64')}\n`
    },
  }
}
