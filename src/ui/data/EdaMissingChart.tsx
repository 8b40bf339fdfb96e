import type { MissingStats } from '../../data/eda'
import { missingRows } from './edaRows'
import { HorizontalBars } from '../shared/HorizontalBars'
import { EDA_COLOURS } from '../shared/theme'

/** Share of missing cells per column, worst first; only columns that have any. */
export function EdaMissingChart({ missing }: { missing: readonly MissingStats[] }) {
  const rows = missingRows(missing)
  return (
    <figure className="chart eda-chart" data-testid="eda-missing" data-points={rows.length}>
      <figcaption>Missing values per column</figcaption>
      {rows.length === 0 ? (
        <p className="empty">No missing values in any column.</p>
      ) : (
        <HorizontalBars
          rows={rows}
          valueKey="percent"
          colour={EDA_COLOURS.missing}
          valueLabel="missing"
          ariaLabel="Missing values per column"
          domain={[0, 100]}
          formatTick={(v) => `${v}%`}
          formatValue={(v) => `${v.toFixed(1)}%`}
        />
      )}
    </figure>
  )
}
