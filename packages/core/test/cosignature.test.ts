import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  cosignatureMessage,
  generateKeyPair,
  parseCosignerKey,
  parseVerifierKey,
  signBytes,
  signCheckpoint,
  verifierKey,
  verifyCheckpoint,
  verifyCosignatures,
} from '../src/evidence/index.js'

/** C2SP tlog-cosignature (Ed25519, cosignature/v1) on Warrant's checkpoints (EVIDENCE.md §9.5). */
describe('witness cosignatures', () => {
  const origin = 'warrant.example.com/log'
  const log = generateKeyPair('ed25519')
  const note = signCheckpoint({ origin, size: 42, root: new Uint8Array(32).fill(7) }, origin, log.privateKey)
  const text = note.slice(0, note.indexOf('\n\n') + 1)

  const witness = (name: string) => {
    const { privateKey, publicKey } = generateKeyPair('ed25519')
    const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32)
    const id = createHash('sha256')
      .update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([0x04]), raw]))
      .digest()
      .subarray(0, 4)
    const line = (time: bigint, message = cosignatureMessage(text, time)) => {
      const stamp = Buffer.alloc(8)
      stamp.writeBigUInt64BE(time)
      const blob = Buffer.concat([id, stamp, signBytes(privateKey, message)])
      return `\u2014 ${name} ${blob.toString('base64')}\n`
    }
    return {
      vkey: `${name}+${id.toString('hex')}+${Buffer.concat([Buffer.from([0x04]), raw]).toString('base64')}`,
      line,
    }
  }

  it('signs the header, the time line and the note text', () => {
    expect(new TextDecoder().decode(cosignatureMessage(text, 1679315147n))).toBe(
      `cosignature/v1\ntime 1679315147\n${origin}\n42\n${Buffer.alloc(32, 7).toString('base64')}\n`,
    )
  })

  it('parses witness vkeys (type 0x04) apart from log vkeys (type 0x01)', () => {
    const w = witness('witness.example.org/w1')
    expect(parseCosignerKey(w.vkey)?.name).toBe('witness.example.org/w1')
    expect(parseVerifierKey(w.vkey)).toBeUndefined()
    expect(parseCosignerKey(verifierKey(origin, log.publicKey))).toBeUndefined()
  })

  it('reports valid and invalid cosignatures of the given witnesses and ignores the others', () => {
    const [a, b, c] = [witness('w.example/a'), witness('w.example/b'), witness('w.example/c')]
    const keys = [a, b].map((w) => parseCosignerKey(w.vkey)!)
    const cosigned =
      note + a.line(1700000000n) + b.line(1700000001n, cosignatureMessage(text, 1700000002n)) + c.line(1n)
    expect(verifyCosignatures(cosigned, keys)).toEqual({ ok: true, valid: ['w.example/a'], invalid: ['w.example/b'] })
    // The log's own signature still verifies: cosignature lines are lines of unknown keys to it.
    expect(verifyCheckpoint(cosigned, [parseVerifierKey(verifierKey(origin, log.publicKey))!], origin).ok).toBe(true)
    // A cosignature over another checkpoint does not verify on this one.
    const other = note.replace('\n42\n', '\n43\n')
    expect(verifyCosignatures(other + a.line(5n), keys)).toEqual({ ok: true, valid: [], invalid: ['w.example/a'] })
    expect(verifyCosignatures(`${note}not a signature line\n`, keys)).toMatchObject({ ok: false })
  })
})
