import type { DatasetState } from './datasetState'
import { DatasetUpload } from './DatasetUpload'
import { EdaPanel } from './EdaPanel'
import './ingest.css'
import { SchemaMapper } from './SchemaMapper'
import type { IngestActions } from './useIngest'

/**
 * "Bring your own data": drop zone, mapping and cleaning, EDA. Shows which data the next run uses.
 * The EDA is of the cleaned data once applied, else of the data as read.
 */
export function OwnDataPanel({
  dataset,
  ingest,
  busy,
}: {
  dataset: DatasetState
  ingest: IngestActions
  busy: boolean
}) {
  const eda = dataset.applied?.eda ?? dataset.proposal?.eda
  const rating = dataset.applied?.mapping.rating ?? dataset.proposal?.mapping.rating
  return (
    <div className="own-data">
      <p className="training-on" data-testid="training-source">
        Next run trains on: <strong>{dataset.active ? dataset.active.name : 'the demo data'}</strong>
      </p>
      <DatasetUpload state={dataset} actions={ingest} busy={busy} />
      <SchemaMapper state={dataset} actions={ingest} busy={busy} />
      {eda && (
        <EdaPanel report={eda} stage={dataset.applied ? 'after cleaning' : 'as read'} ratingColumn={rating} />
      )}
    </div>
  )
}
