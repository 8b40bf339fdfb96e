import { useEffect, useState } from 'react'
import { BackendBadge } from './training/BackendBadge'
import { DeviceTest } from './training/DeviceTest'
import { BaselineTable } from './results/BaselineTable'
import { MAX_EVAL_QUERIES } from '../model/config'
import { recordsToRows } from './shared/chartExport'
import { RANKING_ROW_KEYS, toRankingRows } from './results/chartRows'
import { DatasetPanel } from './data/DatasetPanel'
import { ExportableChart } from './shared/ExportableChart'
import { InspectPanel } from './inspect/InspectPanel'
import { LossChart } from './training/LossChart'
import { MetricsTable } from './results/MetricsTable'
import { OwnDataExploration, OwnDataPanel } from './data/OwnDataPanel'
import { RankingChart } from './results/RankingChart'
import { KeptData } from './share/KeptData'
import { RunPanel } from './share/RunPanel'
import { SharedDataNote, ShareLink } from './share/ShareLink'
import { SettingsPanel } from './training/SettingsPanel'
import { TrainingControls } from './training/TrainingControls'
import { demoSourceOf, shareLinkOf, trainConfigOf, type SharedData } from './training/settings'
import { useSettings } from './training/useSettings'
import { useTrainer } from './training/useTrainer'

export function App() {
  const { settings, problems, shared, update, dismissProblems } = useSettings()
  const trainer = useTrainer(settings.backend)
  const { state } = trainer
  const running = state.status === 'training' || state.status === 'paused'
  const { load } = trainer
  // Why the device test picked the backend in use, while it is still the one chosen.
  const [picked, setPicked] = useState<{ backend: string; why: string } | null>(null)
  const pickedNote = picked && picked.backend === settings.backend ? picked.why : null

  // A message about the link goes once a run has worked with the settings on screen.
  useEffect(() => {
    if (state.status === 'done') dismissProblems()
  }, [state.status, dismissProblems])

  // Show the demo's counts at once; the worker caches the encoded data for the first run.
  useEffect(() => {
    load(demoSourceOf(settings))
    // Only on first render: a new backend keeps the worker and what it has loaded (an upload too).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [load])

  // While the page waits for a click, the worker runs one step of the settings on screen on data shaped
  // like the loaded data (model/warmUp.ts), so the next run's first loss point comes sooner. Once per
  // data loaded and backend, with the settings of that moment: not again on every edit.
  const { warmUp } = trainer
  const backendName = state.backend?.name ?? null
  useEffect(() => {
    if (state.loaded && backendName && !running)
      warmUp(trainConfigOf(settings), trainer.dataset.active ?? demoSourceOf(settings))
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state.loaded, backendName, warmUp])

  // A share link names the data: the demo, or an applied upload by its fingerprint (none before Apply).
  const applied = trainer.dataset.applied
  const shareData: SharedData | null = trainer.dataset.active
    ? applied
      ? { kind: 'upload', fingerprint: applied.fingerprint }
      : null
    : { kind: 'demo' }
  const link = shareData ? shareLinkOf(window.location.href, settings, shareData) : null

  const diverged = state.record?.end === 'diverged' ? [state.record.message ?? 'The loss diverged.'] : []
  const messages = [...problems, ...(state.error ? [state.error] : []), ...diverged]
  return (
    <div className="app">
      <header>
        <div>
          <h1>Attentive Recommendation Playground</h1>
          <p className="tagline">
            Train a two-tower retrieval model with feature attention in your browser. Your data never leaves
            this page.
          </p>
        </div>
        <BackendBadge backend={state.backend} note={pickedNote} />
      </header>
      {messages.length > 0 && (
        <div className="error" data-testid="error-message" role="alert">
          {messages.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}
      <main>
        <aside>
          <section aria-labelledby="data-heading">
            <h2 id="data-heading">Data</h2>
            <DatasetPanel
              loaded={state.loaded}
              loading={state.loading}
              onLoadDemo={() => load(demoSourceOf(settings))}
              busy={running}
              uploadName={trainer.dataset.active?.name ?? null}
            />
            <details>
              <summary>Demo size and seed</summary>
              <SettingsPanel group="demo" settings={settings} disabled={running} onChange={update} />
            </details>
            <SharedDataNote shared={shared} applied={applied?.fingerprint ?? null} />
            <OwnDataPanel dataset={trainer.dataset} ingest={trainer.ingest} busy={running} />
          </section>
          <section aria-labelledby="train-heading">
            <h2 id="train-heading">Train</h2>
            <TrainingControls
              state={state}
              canStart={state.backend !== null}
              trainLabel={trainer.dataset.active ? 'Train on your data' : 'Train demo'}
              totalEpochs={settings.epochs}
              onStart={() =>
                trainer.start(trainConfigOf(settings), trainer.dataset.active ?? demoSourceOf(settings))
              }
              onPause={trainer.pause}
              onResume={trainer.resume}
              onStop={trainer.stop}
            />
            <DeviceTest
              config={trainConfigOf(settings)}
              demo={demoSourceOf(settings)}
              disabled={running}
              onPick={(backend, why) => {
                setPicked({ backend, why })
                update({ backend })
              }}
            />
          </section>
          <section aria-labelledby="run-heading">
            <h2 id="run-heading">Share and keep</h2>
            {/* Keyed by run: a failed import's message goes when a run (or an import) starts. */}
            <RunPanel
              key={state.runId}
              state={state}
              onImport={trainer.importRun}
              modelWeights={trainer.modelWeights}
              modelZip={trainer.modelZip}
            />
            <ShareLink link={link} data={shareData} />
            <KeptData kept={state.kept} onForget={trainer.forgetKept} />
          </section>
          <section aria-labelledby="settings-heading">
            <h2 id="settings-heading">Model settings</h2>
            <SettingsPanel group="model" settings={settings} disabled={running} onChange={update} />
          </section>
        </aside>
        <div className="results">
          <OwnDataExploration dataset={trainer.dataset} />
          <section aria-labelledby="curves-heading">
            <h2 id="curves-heading">Learning curves</h2>
            <div className="charts">
              <ExportableChart
                what="loss curve"
                fileBase="training-loss"
                csv={
                  state.lossPoints.length > 0 ? () => recordsToRows(state.lossPoints, ['step', 'loss']) : null
                }
              >
                <LossChart points={state.lossPoints} stepsPerEpoch={state.dataset?.stepsPerEpoch ?? 0} />
              </ExportableChart>
              <ExportableChart
                what="ranking chart"
                fileBase="validation-recall-at-10"
                csv={
                  state.epochs.length > 0
                    ? () =>
                        recordsToRows(
                          toRankingRows(state.epochs, state.validationBaselines, 'recall@10'),
                          RANKING_ROW_KEYS,
                        )
                    : null
                }
              >
                <RankingChart epochs={state.epochs} baselines={state.validationBaselines} />
              </ExportableChart>
            </div>
          </section>
          <section aria-labelledby="metrics-heading">
            <h2 id="metrics-heading">Metrics</h2>
            {state.dataset && (
              <p className="muted">
                Split:{' '}
                {state.dataset.split.kind === 'leave-last-out'
                  ? 'temporal leave-last-out per user'
                  : 'random 80/10/10'}{' '}
                — {state.dataset.split.train.toLocaleString('en-US')} train,{' '}
                {state.dataset.split.validation.toLocaleString('en-US')} validation,{' '}
                {state.dataset.split.test.toLocaleString('en-US')} test interactions; batch{' '}
                {state.dataset.batchSize}.
                {Math.max(state.dataset.split.validation, state.dataset.split.test) > MAX_EVAL_QUERIES &&
                  ` Each evaluation ranks the full catalogue for a seeded sample of ${MAX_EVAL_QUERIES.toLocaleString('en-US')} held-out interactions per split.`}
              </p>
            )}
            <MetricsTable epochs={state.epochs} baselines={state.validationBaselines} />
            <BaselineTable result={state.record} />
          </section>
          <section aria-labelledby="inspect-heading">
            <h2 id="inspect-heading">Inspect the model</h2>
            <InspectPanel
              key={state.runId}
              status={state.status}
              attention={state.attention}
              result={state.record}
              importedFrom={state.importedFrom}
              importedModel={state.importedModel}
              explore={trainer.explore}
            />
          </section>
        </div>
      </main>
    </div>
  )
}
