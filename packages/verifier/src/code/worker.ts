import { parentPort } from 'node:worker_threads'
import { analyzeSource, type Category, extract } from './extract.js'
import type { FileFacts, LanguageId } from './facts.js'

/** A request from the pool: the categories of one file. Files are routed to one worker, so each is parsed once. */
export interface ExtractRequest {
  kind: 'extract'
  id: number
  run: number
  rel: string
  text: string
  language: LanguageId
  categories: Category[]
}

export interface ReleaseRequest {
  kind: 'release'
  run: number
}

export type ExtractResponse =
  | { id: number; ok: true; facts: ReturnType<typeof extract> }
  | { id: number; ok: false; message: string }

/** Analysed files per run, keyed by path. */
const analysed = new Map<number, Map<string, Promise<FileFacts>>>()

parentPort?.on('message', async (req: ExtractRequest | ReleaseRequest) => {
  if (req.kind === 'release') {
    analysed.delete(req.run)
    return
  }
  try {
    let files = analysed.get(req.run)
    if (!files) {
      files = new Map()
      analysed.set(req.run, files)
    }
    let facts = files.get(req.rel)
    if (!facts) {
      facts = analyzeSource(req.rel, req.text, req.language)
      files.set(req.rel, facts)
    }
    const response: ExtractResponse = { id: req.id, ok: true, facts: extract(await facts, req.categories) }
    parentPort?.postMessage(response)
  } catch (e) {
    parentPort?.postMessage({ id: req.id, ok: false, message: (e as Error)?.message ?? String(e) })
  }
})
