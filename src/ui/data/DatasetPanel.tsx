import { PLANTED_FIELDS } from '../../demo/cardOffers'
import { formatCount } from '../shared/format'
import type { TrainingState } from '../training/trainingState'
import './data.css'

const DEMO_FILES = ['users.csv', 'offers.csv', 'interactions.csv']

/** What data the next run trains on: the demo's story, its counts, and its CSVs to download. */
export function DatasetPanel({
  loaded,
  loading,
  onLoadDemo,
  busy,
  uploadName,
}: {
  loaded: TrainingState['loaded']
  /** How far a load that takes a while has got (a big demo's draws), or null. */
  loading: string | null
  onLoadDemo: () => void
  busy: boolean
  /** The uploaded dataset the next run uses, or null when it is the demo. */
  uploadName: string | null
}) {
  const s = loaded?.summary
  return (
    <div className="dataset">
      {uploadName ? (
        <p>
          <strong>{uploadName}.</strong> The counts below are of your data after cleaning; the demo is one
          click away.
        </p>
      ) : (
        <p>
          <strong>Card offers demo.</strong> Synthetic cardholders activate offers; their choices follow a
          planted model driven by <em>{PLANTED_FIELDS.informative.join(', ')}</em>, and by order: an offer of
          the same category as the cardholder’s previous one is preferred, which only a model that looks at
          the newest history item can use. The fields <em>{PLANTED_FIELDS.noise.join(', ')}</em> are pure
          noise — a good model learns to ignore them.
        </p>
      )}
      <button type="button" data-testid="demo-load" onClick={onLoadDemo} disabled={busy}>
        {uploadName ? 'Back to the demo data' : 'Load demo data'}
      </button>
      {loading && s ? (
        <p className="help" role="status">
          {loading} — the counts below are of the data loaded before.
        </p>
      ) : null}
      {s ? (
        <dl className="counts" aria-label="Dataset counts" aria-busy={loading !== null}>
          <div>
            <dt>Interactions</dt>
            <dd>{formatCount(s.interactions)}</dd>
          </div>
          <div>
            <dt>Users</dt>
            <dd>{formatCount(s.users)}</dd>
          </div>
          <div>
            <dt>Items</dt>
            <dd>
              {formatCount(s.items)}
              {s.itemsWithoutInteractions ? (
                <span className="help">
                  {' '}
                  ({formatCount(s.itemsWithoutInteractions)} only in the item table)
                </span>
              ) : null}
            </dd>
          </div>
          <div>
            <dt>Sparsity</dt>
            <dd>{(s.sparsity * 100).toFixed(2)}%</dd>
          </div>
          <div>
            <dt>Fields</dt>
            <dd>{s.fields.length}</dd>
          </div>
        </dl>
      ) : (
        <p className="muted" role="status">
          {loading ?? 'Generating the demo data'}…
        </p>
      )}
      <p className="downloads">
        Download the default demo:{' '}
        {DEMO_FILES.map((f, i) => (
          <span key={f}>
            {i > 0 && ', '}
            <a href={`demo/${f}`} download>
              {f}
            </a>
          </span>
        ))}
      </p>
    </div>
  )
}
