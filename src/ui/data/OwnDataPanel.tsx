import { EdaPanel } from './EdaPanel'
import type { DatasetState } from './datasetState'
import { DatasetUpload } from './DatasetUpload'
import { SchemaMapper } from './SchemaMapper'
import type { IngestActions } from './useIngest'
import './data.css'

/** "Bring your own data": drop zone, mapping and cleaning. Shows which data the next run uses. */
export function OwnDataPanel({
  dataset,
  ingest,
  busy,
}: {
  dataset: DatasetState
  ingest: IngestActions
  busy: boolean
}) {
  return (
    <div className="own-data">
      <p className="training-on" data-testid="training-source">
        Next run trains on: <strong>{dataset.active ? dataset.active.name : 'the demo data'}</strong>
      </p>
      <DatasetUpload state={dataset} actions={ingest} busy={busy} />
      <SchemaMapper state={dataset} actions={ingest} busy={busy} />
    </div>
  )
}

/**
 * The EDA of the dropped data, in the wide results column: of the cleaned data once applied, else of
 * the data as read. Nothing before files are dropped.
 */
export function OwnDataExploration({ dataset }: { dataset: DatasetState }) {
  const { applied, proposal } = dataset
  // The files on screen in the mapper: after cleaning once they are applied, else as read.
  const current = applied && (!proposal || applied.sessionId === proposal.sessionId) ? applied : null
  const eda = current?.eda ?? proposal?.eda
  if (!eda) return null
  const rating = current ? current.mapping.rating : proposal?.mapping.rating
  return (
    <section aria-labelledby="explore-data-heading">
      <h2 id="explore-data-heading">Explore your data</h2>
      <EdaPanel
        report={eda}
        stage={current ? 'after cleaning' : applied ? 'as read, not applied yet' : 'as read'}
        ratingColumn={rating}
      />
    </section>
  )
}
