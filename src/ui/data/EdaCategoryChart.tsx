import type { CategoricalStats } from '../../data/eda'
import { categoryRows, compactNumber } from './edaRows'
import { HorizontalBars } from '../shared/HorizontalBars'
import { EDA_COLOURS } from '../shared/theme'

/** The most frequent values of one categorical column, as horizontal bars. */
export function EdaCategoryChart({ stats }: { stats: CategoricalStats }) {
  return (
    <figure className="chart eda-chart" data-testid="eda-category" data-column={stats.column}>
      <figcaption>
        {stats.column}{' '}
        <span className="muted">
          ({stats.file}, {compactNumber(stats.distinct)} distinct)
        </span>
      </figcaption>
      <HorizontalBars
        rows={categoryRows(stats)}
        valueKey="count"
        colour={EDA_COLOURS.counts}
        valueLabel="rows"
        ariaLabel={`Top values of ${stats.column}`}
        formatTick={compactNumber}
        formatValue={String}
      />
    </figure>
  )
}
