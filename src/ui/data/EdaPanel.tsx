import { memo, useId } from 'react'
import type { EdaReport } from '../../data/eda'
import { EdaCategoryChart } from './EdaCategoryChart'
import { EdaHistogramChart } from './EdaHistogramChart'
import { EdaLongTailChart } from './EdaLongTailChart'
import { EdaMissingChart } from './EdaMissingChart'
import { EdaRatingChart } from './EdaRatingChart'
import { EdaTimeChart } from './EdaTimeChart'
import { formatCount } from '../shared/format'

/**
 * Exploratory charts of the uploaded data: counts, long tails, interactions over time, ratings,
 * missing values, each column's distribution, and the warnings worth reading before training.
 * `stage` says whether the report is of the data as read or after cleaning.
 */
function EdaPanelView({
  report,
  stage,
  ratingColumn,
}: {
  report: EdaReport
  stage: 'as read' | 'as read, not applied yet' | 'after cleaning'
  ratingColumn: string | undefined
}) {
  const { counts } = report
  const headingId = useId()
  return (
    <div className="eda" role="region" data-testid="eda-panel" data-stage={stage} aria-labelledby={headingId}>
      <h3 id={headingId}>Explore the data ({stage})</h3>
      <dl className="counts" aria-label="Uploaded data counts">
        <div>
          <dt>Interactions</dt>
          <dd data-count="rows">{formatCount(counts.rows)}</dd>
        </div>
        <div>
          <dt>Users</dt>
          <dd data-count="users">{formatCount(counts.users)}</dd>
        </div>
        <div>
          <dt>Items</dt>
          <dd data-count="items">{formatCount(counts.items)}</dd>
        </div>
        <div>
          <dt>Sparsity</dt>
          <dd>{(counts.sparsity * 100).toFixed(2)}%</dd>
        </div>
        <div>
          <dt>Top 1% items</dt>
          <dd>{Math.round(report.topItemShare * 100)}% of rows</dd>
        </div>
      </dl>
      {report.warnings.length > 0 && (
        <ul className="warnings" data-testid="eda-warnings" aria-label="Warnings">
          {report.warnings.map((w) => (
            <li key={`${w.code}-${w.file ?? ''}-${w.column ?? ''}`} data-code={w.code}>
              {w.message}
            </li>
          ))}
        </ul>
      )}
      <div className="eda-charts">
        <EdaLongTailChart bins={report.interactionsPerUser} entity="users" />
        <EdaLongTailChart bins={report.interactionsPerItem} entity="items" />
        {report.overTime && <EdaTimeChart overTime={report.overTime} />}
        {report.ratings && ratingColumn && <EdaRatingChart ratings={report.ratings} column={ratingColumn} />}
        <EdaMissingChart missing={report.missing} />
      </div>
      {(report.categorical.length > 0 || report.numeric.length > 0) && (
        <details open={report.categorical.length + report.numeric.length <= 6}>
          <summary>
            Feature columns ({report.categorical.length} categorical, {report.numeric.length} numeric)
          </summary>
          <div className="eda-charts">
            {report.numeric.map((s) => (
              <EdaHistogramChart key={`${s.table}-${s.column}`} stats={s} />
            ))}
            {report.categorical.map((s) => (
              <EdaCategoryChart key={`${s.table}-${s.column}`} stats={s} />
            ))}
          </div>
        </details>
      )}
    </div>
  )
}

/**
 * Re-renders only when the report or its labels change: not on every message of a training run, which
 * re-drew each of its charts (dozens of main-thread tasks over 50 ms in a short run on an upload).
 */
export const EdaPanel = memo(EdaPanelView)
