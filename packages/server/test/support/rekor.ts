import { createHash, type KeyObject, X509Certificate } from 'node:crypto'
import {
  canonicalJson,
  checkpointText,
  decodeBase64,
  generateKeyPair,
  inclusionProof,
  leafHash,
  memoryTree,
  pae,
  rootOf,
  signBytes,
  spkiDer,
  verifyBytes,
} from '@warrant/core'
import { serveJson } from './loopback.js'

/**
 * Our own log as the Sigstore log (EVIDENCE.md §13.4), test-only: a Rekor v1-shaped `POST /api/v1/log/entries` for
 * `dsse` entries, backed by the production Merkle module. It verifies the envelope with the certificate's key,
 * stores the canonicalised entry body, and answers with an inclusion proof against an ECDSA-signed checkpoint and a
 * signed entry timestamp (ECDSA P-256 over the canonical `{body, integratedTime, logID, logIndex}`). The log id is
 * H(SPKI); checkpoint signatures carry its first 4 bytes as key hint and the log's host as key name, which Sigstore
 * verifiers look for in the trusted root's `baseUrl`.
 */
export interface RekorOptions {
  clock: () => Date
  /** Signs checkpoints with another key than the log key (the trusted root's key then fails them). */
  checkpointKey?: KeyObject
  /** Signs the entry timestamp over a different body than the one returned. */
  setOverOtherBody?: boolean
}

interface ProposedDsse {
  apiVersion?: string
  kind?: string
  spec?: { proposedContent?: { envelope?: string; verifiers?: string[] } }
}

const sha256Hex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex')

function dsseBody(proposed: ProposedDsse): string {
  if (proposed.kind !== 'dsse' || proposed.apiVersion !== '0.0.1') throw new Error('only dsse 0.0.1 entries')
  const content = proposed.spec?.proposedContent
  const envelope = JSON.parse(content?.envelope ?? 'null') as {
    payloadType: string
    payload: string
    signatures: { sig: string }[]
  }
  const verifier = content?.verifiers?.[0]
  if (!verifier || content?.verifiers?.length !== 1 || envelope.signatures.length !== 1)
    throw new Error('one verifier and one signature')
  const payload = decodeBase64(envelope.payload)
  const sig = decodeBase64(envelope.signatures[0]!.sig)
  const key = new X509Certificate(Buffer.from(verifier, 'base64')).publicKey
  if (!payload || !sig || !verifyBytes(key, pae(envelope.payloadType, payload), sig))
    throw new Error('the envelope signature does not verify with the verifier')
  return canonicalJson({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256Hex(canonicalJson(envelope)) },
      payloadHash: { algorithm: 'sha256', value: sha256Hex(payload) },
      signatures: [{ signature: envelope.signatures[0]!.sig, verifier }],
    },
  })
}

export async function startRekor(options: RekorOptions) {
  const { privateKey, publicKey } = generateKeyPair('ecdsa-p256')
  const logId = createHash('sha256').update(spkiDer(publicKey)).digest()
  const leaves: Uint8Array[] = []
  let name = ''
  const server = await serveJson(async (path, proposed) => {
    if (path !== '/api/v1/log/entries') return { status: 404, body: { message: 'not found' } }
    const body = Buffer.from(dsseBody(proposed as ProposedDsse))
    const logIndex = leaves.length
    leaves.push(leafHash(body))
    const tree = memoryTree(leaves)
    const integratedTime = Math.floor(options.clock().getTime() / 1000)
    const signedBody = options.setOverOtherBody ? Buffer.concat([body, Buffer.from(' ')]) : body
    const set = signBytes(
      privateKey,
      Buffer.from(
        canonicalJson({ body: signedBody.toString('base64'), integratedTime, logID: logId.toString('hex'), logIndex }),
      ),
    )
    const root = rootOf(tree)
    const text = checkpointText({ origin: name, size: tree.size, root })
    const noteSig = signBytes(options.checkpointKey ?? privateKey, Buffer.from(text))
    const checkpoint = `${text}\n\u2014 ${name} ${Buffer.concat([logId.subarray(0, 4), noteSig]).toString('base64')}\n`
    const entry = {
      body: body.toString('base64'),
      integratedTime,
      logID: logId.toString('hex'),
      logIndex,
      verification: {
        signedEntryTimestamp: Buffer.from(set).toString('base64'),
        inclusionProof: {
          logIndex,
          treeSize: tree.size,
          rootHash: Buffer.from(root).toString('hex'),
          hashes: inclusionProof(tree, logIndex, tree.size).map((h) => Buffer.from(h).toString('hex')),
          checkpoint,
        },
      },
    }
    return { status: 201, body: { [Buffer.from(leafHash(body)).toString('hex')]: entry } }
  })
  name = new URL(server.url).host
  return { ...server, publicKey, logId }
}
