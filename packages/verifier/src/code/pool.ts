import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Category, ExtractedFacts } from './extract.js'
import type { LanguageId } from './facts.js'
import type { ExtractRequest, ExtractResponse } from './worker.js'

type Pending = { worker: number; resolve: (f: ExtractedFacts) => void; reject: (e: Error) => void }

/**
 * Worker threads that parse and analyse files, one worker per core. A file always goes to the same worker (by a hash
 * of its path), which keeps its tree, so every file is parsed once per run however many assertions read it.
 * Workers hold the process open only while requests are pending.
 */
export class AnalysisPool {
  private readonly workers: Worker[] = []
  private readonly pending = new Map<number, Pending>()
  private readonly inFlight: number[] = []
  private readonly dead: (Error | undefined)[] = []
  private nextId = 0

  private constructor(script: string, size: number) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(script)
      w.on('message', (r: ExtractResponse) => this.settle(r))
      w.on('error', (e) => this.fail(i, e))
      w.on('exit', (code) => this.fail(i, new Error(`analysis worker exited (code ${code})`)))
      // After the listeners: adding a 'message' listener refs the worker again.
      w.unref()
      this.workers.push(w)
      this.inFlight.push(0)
      this.dead.push(undefined)
    }
  }

  /** A pool when the compiled worker script exists (the built package); undefined under a TypeScript test runner. */
  static create(): AnalysisPool | undefined {
    const url = new URL('./worker.js', import.meta.url)
    if (!import.meta.url.endsWith('.js')) return undefined
    return new AnalysisPool(fileURLToPath(url), Math.max(1, Math.min(8, availableParallelism())))
  }

  /** Facts of `rel` in run `run` (trees are cached per run and file until `release(run)`). */
  extract(
    run: number,
    rel: string,
    text: string,
    language: LanguageId,
    categories: Category[],
  ): Promise<ExtractedFacts> {
    const index = hash(rel) % this.workers.length
    const dead = this.dead[index]
    if (dead) return Promise.reject(dead)
    const id = this.nextId++
    return new Promise<ExtractedFacts>((resolve, reject) => {
      this.pending.set(id, { worker: index, resolve, reject })
      if (this.inFlight[index]!++ === 0) this.workers[index]!.ref()
      const request: ExtractRequest = { kind: 'extract', id, run, rel, text, language, categories }
      this.workers[index]!.postMessage(request)
    }).finally(() => {
      if (--this.inFlight[index]! === 0) this.workers[index]!.unref()
    })
  }

  /** Drops every tree a run left in the workers. */
  release(run: number): void {
    for (const [i, w] of this.workers.entries()) if (!this.dead[i]) w.postMessage({ kind: 'release', run })
  }

  private settle(r: ExtractResponse): void {
    const p = this.pending.get(r.id)
    if (!p) return
    this.pending.delete(r.id)
    if (r.ok) p.resolve(r.facts)
    else p.reject(new Error(r.message))
  }

  /** A worker that failed or exited fails its pending and future requests (their results become errors). */
  private fail(worker: number, e: Error): void {
    this.dead[worker] ??= e
    for (const [id, p] of this.pending) {
      if (p.worker !== worker) continue
      this.pending.delete(id)
      p.reject(e)
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}

function hash(s: string): number {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h >>> 0
}
