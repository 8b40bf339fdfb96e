import type { FieldImportance } from '../../model/results'
import { formatDrop, formatWeight, truncateLabel } from './heatmap'

/** Longest field name shown in full; longer ones keep their start and end (the full name is a tooltip). */
const NAME_CHARS = 26

/**
 * Attention-pooling weight of every token as a bar (scaled to the largest weight), with the drop-field
 * importance beside it when given. A table, so screen readers and keyboards read the exact numbers.
 */
export function WeightBars({
  caption,
  tokens,
  names = tokens,
  weights,
  importance,
  testId,
}: {
  caption: string
  tokens: readonly string[]
  /** What each token reads as (e.g. a history token with its item's name); the token names by default. */
  names?: readonly string[]
  weights: readonly number[]
  importance?: Map<string, FieldImportance>
  testId?: string
}) {
  const max = weights.reduce((m, w) => (Number.isFinite(w) && w > m ? w : m), 0)
  const showImportance = importance !== undefined && importance.size > 0
  return (
    <div className="weight-bars-wrap">
      <table className="weight-bars" data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Pooling weight</th>
            {showImportance && (
              <th
                scope="col"
                title="Validation NDCG@10 lost when the field is pinned to its most common value"
              >
                NDCG@10 drop
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {tokens.map((token, i) => {
            const w = weights[i] ?? 0
            const drop = importance?.get(token)?.drop
            return (
              <tr key={token} data-field={token}>
                <th scope="row" title={names[i] ?? token}>
                  <span className="weight-name">{truncateLabel(names[i] ?? token, NAME_CHARS)}</span>
                </th>
                <td>
                  <span className="weight-bar-cell">
                    <span className="weight-bar-track" aria-hidden="true">
                      <span className="weight-bar" style={{ width: `${max > 0 ? (w / max) * 100 : 0}%` }} />
                    </span>
                    <span className="weight-value">{formatWeight(w)}</span>
                  </span>
                </td>
                {showImportance && (
                  <td className={drop !== undefined && drop > 0 ? 'drop drop-positive' : 'drop'}>
                    {drop === undefined ? '—' : formatDrop(drop)}
                  </td>
                )}
              </tr>
            )
          })}
        </tbody>
      </table>
      {showImportance && (
        <p className="help weight-note">
          NDCG@10 drop: validation NDCG@10 lost when the field is pinned to its most common value, measured
          once on the final model. Bold: the model relies on the field. Attention weights explain, they do not
          prove.
        </p>
      )}
    </div>
  )
}
