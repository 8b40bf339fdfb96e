/**
 * Reads one dropped file, which may be plain text, gzip (`.gz`) or a zip archive (as MovieLens ships),
 * into parsed tables, with progress and cancellation. Compression is recognised by its magic bytes, so
 * a misnamed file still opens. Runs in the worker; the UI only sees progress numbers and the result.
 */
import { Gunzip, Unzip, UnzipInflate, type UnzipFile } from 'fflate'
import type { DataProblem, DataResult } from './types'
import { StreamingTableParser, type ParseOptions, type ParsedFile, type ParseProgress } from './parse'

/** Anything with an `aborted` flag, such as an `AbortSignal`; checked between chunks. */
export interface CancelFlag {
  readonly aborted: boolean
}

export interface IngestOptions {
  /** Parse options per file name inside the input (for a zip: per entry), e.g. from `knownParseOptions`. */
  parseOptions?: (fileName: string) => ParseOptions | undefined
  /** Which zip entries to read; `isDataEntry` by default. */
  entryFilter?: (path: string) => boolean
  /** Called after each chunk with bytes read (of the input as given, compressed or not) and rows so far. */
  onProgress?: (progress: ParseProgress) => void
  signal?: CancelFlag
  /** Size of the input in bytes, passed through to progress. */
  totalBytes?: number
}

export interface IngestResult {
  files: ParsedFile[]
  /** Zip entries that were not read, and why. */
  skipped: { file: string; reason: string }[]
}

/** Zip members that are never data: documentation, scripts, macOS metadata and folders. */
const NON_DATA_ENTRY =
  /(^|\/)(__MACOSX\/|\.)|\/$|(^|\/)README[^/]*$|\.(pl|sh|md|pdf|html?|txt|py|r|ipynb|json)$/i
/** MovieLens 100K files that repeat `u.data` (cross-validation splits) or only name codes. */
const ML100K_AUXILIARY = /(^|\/)(u[1-5]\.(base|test)|u[ab]\.(base|test)|u\.info|u\.genre|u\.occupation)$/

/** Whether a zip entry looks like a data table worth parsing. */
export function isDataEntry(path: string): boolean {
  return !NON_DATA_ENTRY.test(path) && !ML100K_AUXILIARY.test(path)
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

type Container = 'gzip' | 'zip' | 'plain'

function containerOf(head: Uint8Array): Container {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip'
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'zip'
  return 'plain'
}

const cancelled = (file: string): DataProblem => ({
  ok: false,
  reason: 'Loading was cancelled.',
  file,
  cancelled: true,
})

/**
 * Reads `chunks` (e.g. `file.stream()` iterated) as the file `name`. Returns every table found, or the
 * first problem. Never throws on user data; a corrupt archive becomes a problem naming the file.
 */
export async function ingestFile(
  name: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: IngestOptions = {},
): Promise<DataResult<IngestResult>> {
  let container: Container | null = null
  let bytesRead = 0
  let sink: ChunkSink | null = null
  try {
    for await (const chunk of chunks) {
      if (options.signal?.aborted) return cancelled(name)
      if (chunk.length === 0) continue
      if (!sink) {
        container = containerOf(chunk)
        sink = makeSink(name, container, options)
      }
      bytesRead += chunk.length
      const problem = sink.push(chunk, false)
      if (problem) return problem
      options.onProgress?.({ file: name, bytesRead, totalBytes: options.totalBytes, rows: sink.rows() })
    }
    if (options.signal?.aborted) return cancelled(name)
    if (!sink) return { ok: false, reason: `${name} is empty.`, file: name }
    const problem = sink.push(new Uint8Array(0), true)
    if (problem) return problem
    return sink.finish()
  } catch (error) {
    // fflate throws on corrupt compressed data; that is the file's fault, not a bug.
    const what = container === 'zip' ? 'zip archive' : container === 'gzip' ? 'gzip file' : 'file'
    return {
      ok: false,
      reason: `${name} could not be read as a ${what}: ${error instanceof Error ? error.message : String(error)}.`,
      file: name,
    }
  }
}

interface ChunkSink {
  push(chunk: Uint8Array, final: boolean): DataProblem | null
  rows(): number
  finish(): DataResult<IngestResult>
}

function makeSink(name: string, container: Container, options: IngestOptions): ChunkSink {
  if (container === 'zip') return zipSink(name, options)
  const innerName = container === 'gzip' ? name.replace(/\.gz$/i, '') : name
  const parser = new StreamingTableParser(innerName, options.parseOptions?.(innerName))
  let problem: DataProblem | null = null
  const gunzip =
    container === 'gzip'
      ? new Gunzip((data) => {
          problem ??= parser.push(data)
        })
      : null
  return {
    push(chunk, final) {
      if (gunzip) gunzip.push(chunk, final)
      else if (chunk.length > 0) problem ??= parser.push(chunk)
      return problem
    },
    rows: () => parser.rows,
    finish() {
      const result = parser.finish()
      return result.ok ? { ok: true, data: { files: [result.data], skipped: [] } } : result
    },
  }
}

/**
 * Streams a zip: each entry goes into its own parser as it is inflated. Entries that are not text
 * (images, binaries) are skipped with a reason instead of failing the archive; entries with real
 * problems (ragged beyond repair, over the row limit) fail it, naming the entry.
 */
function zipSink(name: string, options: IngestOptions): ChunkSink {
  const filter = options.entryFilter ?? isDataEntry
  const files: ParsedFile[] = []
  const skipped: IngestResult['skipped'] = []
  let problem: DataProblem | null = null
  let current: StreamingTableParser | null = null
  let rowsDone = 0
  const unzip = new Unzip((entry: UnzipFile) => {
    if (!filter(entry.name)) {
      if (!entry.name.endsWith('/')) skipped.push({ file: entry.name, reason: 'not a data file' })
      return
    }
    const parser = new StreamingTableParser(
      baseName(entry.name),
      options.parseOptions?.(baseName(entry.name)),
    )
    let entryProblem: DataProblem | null = null
    entry.ondata = (err, data, final) => {
      if (problem || entryProblem) return
      if (err) {
        problem = { ok: false, reason: `${entry.name} in ${name} is damaged: ${err.message}.`, file: name }
        return
      }
      current = parser
      if (data.length > 0) entryProblem = parser.push(data)
      if (!final && !entryProblem) return
      current = null
      const result = entryProblem ?? parser.finish()
      if (result.ok) {
        files.push(result.data)
        rowsDone += result.data.report.rows
      } else if (parser.notText) skipped.push({ file: entry.name, reason: result.reason })
      else problem = { ...result, file: `${name}: ${entry.name}` }
    }
    entry.start()
  })
  unzip.register(UnzipInflate)
  return {
    push(chunk, final) {
      unzip.push(chunk, final)
      return problem
    },
    rows: () => rowsDone + ((current as StreamingTableParser | null)?.rows ?? 0),
    finish() {
      if (problem) return problem
      if (files.length === 0)
        return {
          ok: false,
          reason: `${name} holds no data file${skipped.length ? ` (skipped: ${skipped.map((s) => s.file).join(', ')})` : ''}.`,
          file: name,
        }
      return { ok: true, data: { files, skipped } }
    },
  }
}
