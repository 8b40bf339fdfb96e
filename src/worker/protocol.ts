/**
 * Every message between the UI and the training worker. Plain data only: no tensors, no class
 * instances. Messages of a run carry its `runId`; the UI ignores messages from runs it has left behind.
 */
import type { CleaningOptions, CleaningStep } from '../data/clean'
import type { DataProblem } from '../data/types'
import type { EdaReport } from '../data/eda'
import type { FileRole } from '../data/formats'
import type { LeakFinding } from '../data/leak'
import type { MappingFacts, MappingIssue } from '../data/mapping'
import type { TextEncoding } from '../data/decode'
import type { ParseReport } from '../data/parse'
import type { MappingFile } from '../data/mappingFile'
import type { ColumnMapping, ColumnProposal } from '../data/mapping'
import type { DatasetSummary, TableRole } from '../data/types'
import type { BackendChoice, BackendName, TrainConfig } from '../model/config'
import type {
  AttentionSnapshot,
  BenchmarkPlan,
  BenchmarkTiming,
  CountScorerMetrics,
  EpochRecord,
  LossPoint,
  RunDataset,
  RunRecord,
  SplitSizes,
} from '../model/results'
import type { ModelWeights } from '../model/weights'
import type { EmbeddingMap, ItemView, UserHit, UserView, WhatIf } from '../model/explore.types'

// The backend names live with the settings table, which validates the `backend` setting.
export { BACKEND_CHOICES, type BackendChoice, type BackendName } from '../model/config'

export interface DemoSource {
  kind: 'demo'
  seed: number
  users: number
  items: number
  interactions: number
}
/** Files the person dropped, parsed, mapped, cleaned and encoded in the worker (see `ingestSession.ts`). */
export interface UploadSource {
  kind: 'upload'
  /** The ingestion request whose apply produced it; the worker keeps only the latest upload. */
  ingestId: number
  /** A readable name (file names or the recognised format). */
  name: string
}
/** Where the training data comes from. */
export type DatasetSource = DemoSource | UploadSource

export type ToWorker =
  /**
   * Picks the tfjs backend. Sent again, it switches the backend inside the same worker (a run in
   * progress is stopped; the loaded and uploaded data stay). The `backend` reply echoes `requestId`.
   */
  | { type: 'init'; backend: BackendChoice; requestId?: number; wasmThreads?: number }
  /** Generate (or parse) and encode a dataset so its summary can be shown before training. */
  | { type: 'load'; source: DatasetSource }
  /**
   * `resume`: go on from the checkpoint of an interrupted run kept in this browser (see `kept-checkpoint`)
   * instead of from scratch; without one that fits, the run starts from scratch and says so.
   */
  | { type: 'start'; runId: number; config: TrainConfig; source: DatasetSource; resume?: boolean }
  /**
   * While the page waits for a click: one training step of `config` on a small dataset shaped like
   * `source` (model/warmUp.ts), so the next run's first step does not set up its kernels. No reply; a
   * run started meanwhile waits for it. Not on the cpu backend (nothing to set up) nor on a software
   * GPU (SwiftShader: many seconds of shader compiles), and once per backend, config and data shape.
   */
  | { type: 'warm-up'; config: TrainConfig; source: DatasetSource }
  | { type: 'pause'; runId: number }
  | { type: 'resume'; runId: number }
  | { type: 'stop'; runId: number }
  | { type: 'benchmark'; requestId: number; request: BenchmarkRequest }
  /** Questions about the model of run `runId` (kept in the worker after it finished); see model/explore.ts. */
  | { type: 'explore'; requestId: number; runId: number; query: ExploreQuery }
  /** The weights of run `runId`'s kept model, for a run file (the `weights` reply). */
  | { type: 'weights'; requestId: number; runId: number }
  /**
   * Run `runId`'s kept model as a zip another app can score with (model/modelExport.ts; `model-zip`
   * reply), with `record`, the run it came from, as its run.json (so the page can open the zip too).
   */
  | { type: 'model-zip'; requestId: number; runId: number; record: RunRecord }
  /**
   * Rebuilds the model of an imported run from its data (the demo from its seed, or the applied upload
   * when its fingerprint matches) and the file's weights, and keeps it for the explorer as run `runId`.
   * The `restored` reply says whether it worked and, if not, why.
   */
  | {
      type: 'restore'
      requestId: number
      runId: number
      config: TrainConfig
      dataset: RunDataset
      weights: ModelWeights
    }
  /**
   * Ingestion of dropped files. Every request carries a fresh `ingestId`; replies echo it and the UI
   * ignores replies to requests it has moved past. `sessionId` names the parsed files a request works on
   * (the `ingestId` of the `ingest-files` that read them).
   */
  | { type: 'ingest-files'; ingestId: number; files: File[]; overrides: IngestParseOverrides }
  | { type: 'ingest-roles'; ingestId: number; sessionId: number; roles: FileRole[] }
  | {
      type: 'ingest-apply'
      ingestId: number
      sessionId: number
      mapping: ColumnMapping
      cleaning: CleaningOptions
    }
  | { type: 'ingest-cancel'; ingestId: number }
  /**
   * Reads what this browser kept from earlier visits (worker/keep.ts): answered by `kept-upload` and
   * `kept-run` when there is something, then `kept`. Sent once, when the page starts.
   */
  | { type: 'kept-load' }
  /** Deletes everything kept in this browser; the data and run on screen stay. Answered by `kept`. */
  | { type: 'kept-forget' }

export type ExploreQuery =
  | { kind: 'users'; text: string }
  | { kind: 'user'; user: number; whatIf: WhatIf }
  | { kind: 'item'; item: number }
  | { kind: 'map' }

export type ExploreAnswer =
  | { kind: 'users'; users: UserHit[] }
  | { kind: 'user'; view: UserView }
  | { kind: 'item'; view: ItemView }
  | { kind: 'map'; map: EmbeddingMap }
  | { kind: 'error'; message: string }

export type TrainingPhase = 'preparing' | 'training' | 'paused' | 'evaluating'

export type FromWorker =
  | { type: 'backend'; backend: BackendName; reason: string; requestId?: number }
  | { type: 'loaded'; source: DatasetSource; summary: DatasetSummary; seconds: number }
  /** How far a `load` that takes a while (a big demo's draws) has got, at most every quarter second. */
  | { type: 'loading'; source: DatasetSource; detail: string }
  | { type: 'phase'; runId: number; phase: TrainingPhase; detail: string }
  | {
      type: 'dataset'
      runId: number
      summary: DatasetSummary
      fingerprint: string
      split: SplitSizes
      stepsPerEpoch: number
      batchSize: number
    }
  /** The run went on from a checkpoint kept in this browser, after epoch `epoch` (a `start` with `resume`). */
  | { type: 'resumed'; runId: number; epoch: number }
  /** Count baselines on the validation part, computed once, after the model's first epoch. */
  | { type: 'validation-baselines'; runId: number; validationBaselines: CountScorerMetrics }
  | { type: 'loss'; runId: number; epoch: number; points: LossPoint[] }
  | { type: 'epoch'; runId: number; record: EpochRecord; attention: AttentionSnapshot }
  /** The finished run, whole: what the UI shows and what a run file saves. */
  | { type: 'done'; runId: number; record: RunRecord }
  /** Stopped before its first training step (`RunCancelled`): no record; the page is ready again. */
  | { type: 'cancelled'; runId: number; message: string }
  /** `requestId` names the request (init, benchmark) that failed, when one did. */
  | { type: 'error'; runId: number | null; message: string; requestId?: number }
  | { type: 'benchmark'; requestId: number; result: BenchmarkResult }
  | { type: 'explore'; requestId: number; runId: number; answer: ExploreAnswer }
  /** Null weights with the reason when that run's model is gone. */
  | { type: 'weights'; requestId: number; runId: number; weights: ModelWeights | null; message: string }
  | { type: 'restored'; requestId: number; runId: number; ok: boolean; message: string }
  /** Null bytes with the reason when that run's model is gone. */
  | { type: 'model-zip'; requestId: number; runId: number; zip: Uint8Array | null; message: string }
  | { type: 'ingest-progress'; ingestId: number; progress: IngestProgress }
  | { type: 'ingest-proposal'; ingestId: number; proposal: IngestProposal }
  | { type: 'ingest-applied'; ingestId: number; applied: IngestApplied }
  /** Bad input or cancellation; whatever was loaded before stays loaded. */
  | { type: 'ingest-failed'; ingestId: number; stage: IngestStage; problem: DataProblem }
  /** What this browser keeps now, after a load, a save or a forget. */
  | { type: 'kept'; kept: KeptSummary }
  /** The upload kept from an earlier visit, loaded again in the worker as the latest upload. */
  | { type: 'kept-upload'; applied: IngestApplied }
  /** The last run kept from an earlier visit, to show as an opened run file would (weights handed over). */
  | { type: 'kept-run'; record: RunRecord; weights: ModelWeights | null }
  /**
   * A run that a reload interrupted, kept after its last finished epoch (`epoch`): `start` with `resume`
   * and this config and source goes on from there. Sent on `kept-load` before `kept-run`.
   */
  | { type: 'kept-checkpoint'; config: TrainConfig; source: DatasetSource; epoch: number }

/** What this browser keeps between visits (see worker/keep.ts): names and sizes, no data. */
export interface KeptSummary {
  upload: { name: string; interactions: number; fingerprint: string; savedAt: string } | null
  run: { name: string; savedAt: string; withWeights: boolean } | null
  /** The run in progress, kept after its last finished epoch so that a reload resumes it. */
  checkpoint: { epoch: number; epochs: number } | null
  /** Bytes this page's storage uses and may use, as the browser estimates them; null where it cannot say. */
  usage: number | null
  quota: number | null
  /** Why something could not be kept or read back (the quota, no IndexedDB), or null. */
  problem: string | null
}

/** Parse choices the person can override for all dropped files; absent means detect. */
export interface IngestParseOverrides {
  delimiter?: string
  header?: boolean
  encoding?: TextEncoding
}
export type IngestStage = 'parse' | 'map' | 'apply'

/** Parsing progress over all dropped files, posted at most ~10 times a second. */
export interface IngestProgress {
  file: string
  /** 0-based index of `file` among `fileCount` files. */
  fileIndex: number
  fileCount: number
  /** Bytes read of all files so far and their total size (as stored: compressed if compressed). */
  bytesRead: number
  totalBytes: number
  /** Data rows parsed so far, all files together. */
  rows: number
}

/** A table of the proposal: its role, name (a file, or a table derived from one) and columns. */
export interface IngestTable {
  role: TableRole
  file: string
  columns: string[]
  rows: number
}

/** What the worker read and proposes; the person corrects `mapping` in the schema mapper. */
export interface IngestProposal {
  sessionId: number
  /** The recognised format's label, or null when the mapping was inferred. */
  format: string | null
  roles: FileRole[]
  /** Every file that was read (a zip gives several), with its columns, for changing roles. */
  files: { file: string; columns: string[]; rows: number }[]
  tables: IngestTable[]
  mapping: ColumnMapping
  columns: ColumnProposal[]
  reports: ParseReport[]
  skipped: { file: string; reason: string }[]
  notes: string[]
  /** What the mapper checks the person's edits against (`validateMapping`), before asking the worker. */
  facts: MappingFacts
  /** EDA of the tables as read, before cleaning. */
  eda: EdaReport
  seconds: number
}

/** The result of applying a mapping and cleaning: from now on `source` is what `start` can train on. */
export interface IngestApplied {
  source: UploadSource
  /** The parsed files (proposal) this was applied from. */
  sessionId: number
  /** Warnings of `validateMapping` about the applied mapping (errors stop an apply). */
  issues: MappingIssue[]
  /** Context fields that give the held-out answer away (see `data/leak.ts`); shown before training. */
  leaks: LeakFinding[]
  steps: CleaningStep[]
  /** EDA of the cleaned tables. */
  eda: EdaReport
  summary: DatasetSummary
  /** `datasetFingerprint` of the encoded data: what a share link names it by (never its contents). */
  fingerprint: string
  /** The mapping as applied (interaction columns moved to a tower's table are listed under that table). */
  mapping: ColumnMapping
  /** The mapping as the mapper sent it: the draft it came from, to tell whether edits are unapplied. */
  requested: ColumnMapping
  /**
   * How the page read the files, for an exported PyTorch project's data.py (`mapping.json`, no data);
   * null when data.py cannot repeat it yet, `mappingFileProblem` saying why. Absent in uploads kept
   * by an older version.
   */
  mappingFile?: MappingFile | null
  mappingFileProblem?: string | null
  seconds: number
}

/** Timing of training steps (bench/ only; the worker hands it to model/benchmark.ts) on a demo's data. */
export type BenchmarkRequest = Omit<BenchmarkPlan, 'synthetic'> & { demo: DemoSource }

export interface BenchmarkResult extends BenchmarkTiming {
  backend: BackendName
  /** What the backend says of itself (for wasm: its threads and why not more). */
  reason: string
}
