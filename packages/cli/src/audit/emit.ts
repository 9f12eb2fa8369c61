import { createHash, createPublicKey, X509Certificate } from 'node:crypto'
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import { canonicalJson, decodeBase64, inclusionSteps, leafHash, pae, parseStrictJsonBytes } from '@warrant/core'
import { arr, isObject, type Json } from './json.js'
import type { Pins } from './pins.js'

/**
 * `warrant audit --emit DIR` (EVIDENCE.md §12.4): the files an auditor needs to repeat the audit's signature and
 * digest checks with openssl alone, and the commands that use them. Both come from one plan, so every printed command
 * names files the plan writes. Every name derived from package data is reduced to a safe file name, so a hostile
 * package cannot reach outside DIR; the writer checks each path again before writing.
 */

const utf8 = new TextEncoder()
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

export interface OpensslCommand {
  purpose: string
  command: string
}

export interface Artefacts {
  /** Relative path inside DIR → bytes. */
  files: Map<string, Uint8Array>
  commands: OpensslCommand[]
}

/** A name as is when it is a plain file name; otherwise `_` and a digest of it (plain names never start with `_`). */
function safeName(raw: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(raw)) return raw
  return `_${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`
}

/** Unique safe names within one directory: a repeated or colliding name gets `-2`, `-3`, … */
function namer(): (raw: string) => string {
  const taken = new Set<string>()
  return (raw) => {
    const base = safeName(raw)
    let name = base
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`
    taken.add(name)
    return name
  }
}

/** DER certificate → PEM. */
function certificatePem(der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`
}

/** A JWS ES256 signature (r ‖ s, 64 bytes) as the DER ECDSA-Sig-Value that `openssl dgst -verify` reads. */
export function derSignature(p1363: Uint8Array): Uint8Array {
  const integer = (b: Uint8Array): number[] => {
    let i = 0
    while (i < b.length - 1 && b[i] === 0) i++
    const v = [...b.subarray(i)]
    return v[0]! & 0x80 ? [0x02, v.length + 1, 0, ...v] : [0x02, v.length, ...v]
  }
  const body = [...integer(p1363.subarray(0, 32)), ...integer(p1363.subarray(32))]
  return new Uint8Array([0x30, body.length, ...body])
}

/** Quotes a path for `sh` when it needs it; a leading `-` would read as an option. */
export function shellPath(path: string): string {
  const p = path.startsWith('-') ? `./${path}` : path
  return /^[A-Za-z0-9_./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`
}

/**
 * The artefacts and openssl commands for a package that parsed (P3–P5). `dir` is how the commands name DIR: the
 * shell-quoted `--emit` argument, or the placeholder `DIR`. Never throws on malformed content: what cannot be
 * decoded is left out, and the audit's checks report it.
 */
export function artefacts(doc: Json, pins: Pins, dir: string): Artefacts {
  const files = new Map<string, Uint8Array>()
  const commands: OpensslCommand[] = []
  const put = (rel: string, bytes: Uint8Array | string) => {
    files.set(rel, typeof bytes === 'string' ? utf8.encode(bytes) : bytes)
    return `${dir}/${rel}`
  }
  const command = (purpose: string, line: string) => commands.push({ purpose, command: line })
  const sections: Json = isObject(doc.sections) ? doc.sections : {}
  const keys: Json = isObject(sections.keys) ? sections.keys : {}

  // Keys: every instance and workspace key, each with its fingerprint command.
  const keyName = namer()
  const keyFiles = new Map<string, string>()
  for (const kind of ['instance', 'workspace'] as const) {
    for (const k of arr(keys[kind])) {
      const fp = k.fingerprint
      if (typeof fp !== 'string' || typeof k.public_key_pem !== 'string' || keyFiles.has(`${kind}:${fp}`)) continue
      const file = put(`keys/${keyName(`${kind}-${fp}`)}.pem`, k.public_key_pem)
      keyFiles.set(`${kind}:${fp}`, file)
      command(
        `${kind} key fingerprint (the package states ${fp})`,
        `openssl pkey -pubin -in ${file} -outform DER | openssl dgst -sha256`,
      )
    }
  }
  // Log keys are written when they sign the checkpoint: no openssl command recomputes a note key id.
  const logKeys = new Map<string, string>()
  for (const k of arr(keys.log))
    if (typeof k.key_id === 'string' && typeof k.public_key_pem === 'string' && !logKeys.has(k.key_id))
      logKeys.set(k.key_id, k.public_key_pem)

  /** A DSSE envelope's PAE and signature as `<rel>.pae` and `<rel>.sig`; undefined when it does not decode. */
  const dsse = (envelope: unknown, rel: string): { pae: string; sig: string } | undefined => {
    if (!isObject(envelope) || typeof envelope.payloadType !== 'string' || typeof envelope.payload !== 'string')
      return undefined
    const payload = decodeBase64(envelope.payload)
    const sig = Array.isArray(envelope.signatures) ? envelope.signatures[0]?.sig : undefined
    const signature = typeof sig === 'string' ? decodeBase64(sig) : undefined
    if (!payload || !signature) return undefined
    return { pae: put(`${rel}.pae`, pae(envelope.payloadType, payload)), sig: put(`${rel}.sig`, signature) }
  }
  const instanceKey = (envelope: unknown): string | undefined => {
    const keyid = isObject(envelope) && Array.isArray(envelope.signatures) ? envelope.signatures[0]?.keyid : undefined
    return keyFiles.get(`instance:${String(keyid)}`)
  }
  /** The verify command of an envelope, whose files are written only when the key is there to verify them. */
  const verify = (purpose: string, key: string | undefined, envelope: unknown, rel: string) => {
    const files = key ? dsse(envelope, rel) : undefined
    if (files) command(purpose, `openssl dgst -sha256 -verify ${key} -signature ${files.sig} ${files.pae}`)
  }

  // The manifest and the sections it covers.
  verify('manifest signature', instanceKey(doc.manifest), doc.manifest, 'manifest')
  let listed: Json = {}
  try {
    const payload = decodeBase64(String(doc.manifest?.payload))
    const manifest = payload ? parseStrictJsonBytes(payload) : undefined
    if (isObject(manifest) && isObject(manifest.sections)) listed = manifest.sections
  } catch {
    // The manifest checks (M1–M4) report it; the section commands then state no expected digest.
  }
  const sectionName = namer()
  for (const [name, value] of Object.entries(sections)) {
    const file = put(`sections/${sectionName(name)}.jcs`, canonicalJson(value))
    const states = typeof listed[name] === 'string' ? ` (the manifest states ${listed[name]})` : ''
    command(`section ${name} digest${states}`, `openssl dgst -sha256 ${file}`)
  }

  // The checkpoint: its signed text and the signature of a log key in the package (a pinned one first).
  const note = typeof sections.log?.checkpoint === 'string' ? (sections.log.checkpoint as string) : ''
  const split = note.indexOf('\n\n')
  const text = split < 0 ? '' : note.slice(0, split + 1)
  const [, sizeLine, rootLine] = text.split('\n')
  const tree = { size: Number(sizeLine), root: decodeBase64(rootLine ?? '') }
  const signatures = (split < 0 ? [] : note.slice(split + 2, -1).split('\n')).flatMap((line) => {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line)
    const blob = m ? decodeBase64(m[2]!) : undefined
    const keyId = blob && blob.length > 4 ? hex(blob.subarray(0, 4)) : ''
    const pem = logKeys.get(keyId)
    if (!m || !blob || pem === undefined) return []
    const pinned = pins.log.verifiers.some((v) => v.name === m[1] && hex(v.keyId) === keyId)
    return [{ pem, signature: blob.subarray(4), pinned, keyId }]
  })
  const signed = signatures.find((s) => s.pinned) ?? signatures[0]
  if (signed) {
    const key = put(`keys/${keyName(`log-${signed.keyId}`)}.pem`, signed.pem)
    const body = put('log/checkpoint.body', text)
    const sig = put('log/checkpoint.sig', signed.signature)
    command(
      `checkpoint signature by log key ${signed.keyId} (-rawin needs OpenSSL 3.0 or later)`,
      `openssl pkeyutl -verify -pubin -inkey ${key} -rawin -in ${body} -sigfile ${sig}`,
    )
  }

  // Events: each leaf, and its inclusion proof step by step (Merkle arithmetic has no openssl equivalent).
  const seen = new Set<number>()
  const events = sections.events ?? {}
  for (const e of [...arr(events.chain), ...arr(events.referenced), ...arr(events.instance)]) {
    const leaf = typeof e.leaf === 'string' ? decodeBase64(e.leaf) : undefined
    if (!Number.isSafeInteger(e.index) || e.index < 0 || seen.has(e.index) || !leaf) continue
    seen.add(e.index)
    const file = put(`events/${e.index}.leaf`, leaf)
    put(`events/${e.index}.path.txt`, proofSteps(e.index, leaf, e.hashes, tree))
    command(
      `event ${e.index} leaf hash (the first hash in events/${e.index}.path.txt)`,
      `(printf '\\000'; cat ${file}) | openssl dgst -sha256`,
    )
  }

  // Runs: results, receipt, and the material of the run's attestation method.
  const runName = namer()
  const trust = trustFiles(pins, put)
  for (const run of arr(sections.runs)) {
    const id = String(run.run_id)
    const base = `runs/${runName(id)}`
    const results = resultsOf(run)
    if (results) {
      const file = put(`${base}/results.jcs`, canonicalJson(results))
      command(`run ${id}: results hash (the run states ${String(run.results_hash)})`, `openssl dgst -sha256 ${file}`)
    }
    verify(`run ${id}: receipt signature`, instanceKey(run.receipt), run.receipt, `${base}/receipt`)
    const att: Json = isObject(run.attestation) ? run.attestation : {}
    const material: Json = isObject(att.material) ? att.material : {}
    const workspaceKey = keyFiles.get(`workspace:${String(att.key_fingerprint)}`)
    if (att.method === 'workspace_bundle')
      verify(`run ${id}: workspace bundle`, workspaceKey, material.bundle?.dsseEnvelope, `${base}/dsse`)
    if (att.method === 'workspace_signature' && typeof material.legacy?.signed_hash === 'string') {
      const signature = decodeBase64(String(material.legacy.signature))
      if (signature && workspaceKey)
        command(
          `run ${id}: legacy signature`,
          `openssl dgst -sha256 -verify ${workspaceKey} -signature ${put(`${base}/signature.der`, signature)} ${put(`${base}/signed_hash.txt`, material.legacy.signed_hash)}`,
        )
    }
    if (att.method === 'sigstore') sigstoreCommands(id, base, att, material.bundle)
    if (att.method === 'oidc_token')
      tokenCommand(`run ${id}: OIDC token`, material.oidc, `${base}/token`, `${base}/issuer-key.pem`)
    if (material.extra_oidc !== undefined)
      tokenCommand(
        `run ${id}: extra OIDC token`,
        material.extra_oidc,
        `${base}/extra-token`,
        `${base}/extra-issuer-key.pem`,
      )
  }
  return { files, commands }

  function sigstoreCommands(id: string, base: string, att: Json, bundle: unknown) {
    const material: Json = isObject(bundle) && isObject(bundle.verificationMaterial) ? bundle.verificationMaterial : {}
    const raw = material.certificate?.rawBytes ?? material.x509CertificateChain?.certificates?.[0]?.rawBytes
    const der = typeof raw === 'string' ? decodeBase64(raw) : undefined
    if (!der) return
    const leaf = put(`${base}/leaf.pem`, certificatePem(der))
    const signedAt = Math.floor(Date.parse(String(att.signing_time)) / 1000)
    const root = Number.isSafeInteger(signedAt) ? trust.rootFor(der) : undefined
    if (root)
      command(
        `run ${id}: Sigstore certificate chain at the signing time ${String(att.signing_time)}`,
        `openssl verify -attime ${signedAt} -CAfile ${root.ca}${root.intermediates ? ` -untrusted ${root.intermediates}` : ''} ${leaf}`,
      )
    const files = dsse(isObject(bundle) ? bundle.dsseEnvelope : undefined, `${base}/dsse`)
    if (files)
      command(
        `run ${id}: Sigstore DSSE signature`,
        `openssl x509 -in ${leaf} -noout -pubkey > ${dir}/${base}/leaf.pub && openssl dgst -sha256 -verify ${dir}/${base}/leaf.pub -signature ${files.sig} ${files.pae}`,
      )
    command(
      `run ${id}: Sigstore identity (the run records ${String(att.san)})`,
      `openssl x509 -in ${leaf} -noout -ext subjectAltName`,
    )
  }

  function tokenCommand(what: string, oidc: unknown, rel: string, keyRel: string) {
    if (!isObject(oidc) || typeof oidc.token !== 'string') return
    const [h, c, s] = oidc.token.split('.')
    let pem: string
    let alg: unknown
    try {
      pem = createPublicKey({ key: oidc.jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()
      alg = (JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8')) as Json).alg
    } catch {
      return
    }
    const raw = new Uint8Array(Buffer.from(s ?? '', 'base64url'))
    const signature = alg === 'ES256' && raw.length === 64 ? derSignature(raw) : raw
    command(
      `${what} signature (${String(alg)}${alg === 'ES256' ? ', converted to DER' : ''})`,
      `openssl dgst -sha256 -verify ${put(keyRel, pem)} -signature ${put(`${rel}.sig`, signature)} ${put(`${rel}.signing-input`, `${h}.${c}`)}`,
    )
  }
}

/** The results array of a run's submitted body, or undefined when the body does not decode (R1 reports it). */
function resultsOf(run: Json): unknown[] | undefined {
  try {
    const bytes = decodeBase64(String(run.submission?.body))
    const body = bytes ? parseStrictJsonBytes(bytes) : undefined
    return isObject(body) && Array.isArray(body.results) ? body.results : undefined
  } catch {
    return undefined
  }
}

/** `events/<index>.path.txt`: the leaf hash, each audit-path step with its operands, and the root they reach. */
function proofSteps(
  index: number,
  leaf: Uint8Array,
  hashes: unknown,
  tree: { size: number; root: Uint8Array | undefined },
): string {
  const lh = leafHash(leaf)
  const path = Array.isArray(hashes)
    ? hashes.map((h) =>
        typeof h === 'string' && /^[0-9a-f]{64}$/.test(h) ? new Uint8Array(Buffer.from(h, 'hex')) : undefined,
      )
    : []
  const lines = [
    `event ${index}: inclusion proof (RFC 9162) against the package's checkpoint, tree size ${tree.size}, root ${tree.root ? hex(tree.root) : '(unreadable)'}`,
    `leaf hash ${hex(lh)} = SHA-256(0x00 || events/${index}.leaf)`,
  ]
  const steps = path.every((p) => p !== undefined)
    ? inclusionSteps(lh, index, tree.size, path as Uint8Array[])
    : undefined
  if (!steps)
    return `${[...lines, `the proof does not fit index ${index} in a tree of size ${tree.size}`].join('\n')}\n`
  let previous = lh
  for (const [n, step] of steps.entries()) {
    const [left, right] = step.side === 'left' ? [step.sibling, previous] : [previous, step.sibling]
    lines.push(`step ${n + 1}: ${hex(step.result)} = SHA-256(0x01 || ${hex(left)} || ${hex(right)})`)
    previous = step.result
  }
  const equal = tree.root !== undefined && hex(previous) === hex(tree.root)
  lines.push(`root ${hex(previous)}: ${equal ? 'equals' : 'DIFFERS FROM'} the checkpoint root`)
  return `${lines.join('\n')}\n`
}

/**
 * `trust/<root>-ca.pem` and `trust/<root>-intermediates.pem` for each pinned Sigstore trusted root (its self-signed
 * certificates and the others), written when a run needs them; `rootFor` names the files of the root that issued a
 * leaf certificate, or of the first root when none did (the chain command then fails, as R4 does).
 */
function trustFiles(pins: Pins, put: (rel: string, bytes: string) => string) {
  const name = namer()
  let loaded: { name: string; certs: X509Certificate[]; cas: X509Certificate[]; intermediates: X509Certificate[] }[]
  const roots = () =>
    (loaded ??= (pins.sigstore_trusted_roots ?? []).map((root) => {
      const certs = root.material.certificateAuthorities.flatMap((ca) =>
        ca.certChain.map((c) => new X509Certificate(c.root.toDER())),
      )
      const selfSigned = (c: X509Certificate) => c.checkIssued(c) && c.verify(c.publicKey)
      return {
        name: name(root.name),
        certs,
        cas: certs.filter(selfSigned),
        intermediates: certs.filter((c) => !selfSigned(c)),
      }
    }))
  const written = new Map<string, { ca: string; intermediates: string | undefined }>()
  return {
    rootFor(leafDer: Uint8Array) {
      let leaf: X509Certificate | undefined
      try {
        leaf = new X509Certificate(leafDer)
      } catch {
        leaf = undefined
      }
      const root =
        roots().find((r) => leaf && r.certs.some((c) => leaf.checkIssued(c) && leaf.verify(c.publicKey))) ?? roots()[0]
      if (!root) return undefined
      const pem = (list: X509Certificate[]) => list.map((c) => c.toString()).join('')
      if (!written.has(root.name))
        written.set(root.name, {
          ca: put(`trust/${root.name}-ca.pem`, pem(root.cas)),
          intermediates: root.intermediates.length
            ? put(`trust/${root.name}-intermediates.pem`, pem(root.intermediates))
            : undefined,
        })
      return written.get(root.name)
    },
  }
}

/** Refuses (returns the problem) a DIR that exists and is not an empty directory; nothing is written here. */
export function emitDirProblem(path: string): string | undefined {
  let isDir: boolean
  try {
    isDir = statSync(path).isDirectory()
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    return `cannot use --emit ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`
  }
  if (!isDir) return `--emit ${path} exists and is not a directory`
  if (readdirSync(path).length > 0) return `--emit ${path} exists and is not empty`
  return undefined
}

/** Writes the artefacts below `root`, never outside it and never over an existing file. */
export function writeArtefacts(root: string, files: Map<string, Uint8Array>): void {
  const base = resolve(root)
  mkdirSync(base, { recursive: true })
  for (const [rel, bytes] of files) {
    const full = resolve(base, rel)
    const inside = relative(base, full)
    if (!inside || inside.startsWith('..') || isAbsolute(inside)) throw new Error(`${rel} would lie outside ${root}`)
    mkdirSync(dirname(full), { recursive: true })
    writeFileSync(full, bytes, { flag: 'wx' })
  }
}
