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
  scoreDrops,
  scoreDropOf,
  testId,
}: {
  caption: string
  tokens: readonly string[]
  /** What each token reads as (e.g. a history token with its item's name); the token names by default. */
  names?: readonly string[]
  weights: readonly number[]
  importance?: Map<string, FieldImportance>
  /** Per token (same order): score of one recommendation lost when the token is removed. */
  scoreDrops?: readonly number[] | null
  /** What `scoreDrops` is about, for its header ("#1: Toy Story"). */
  scoreDropOf?: string
  testId?: string
}) {
  const max = weights.reduce((m, w) => (Number.isFinite(w) && w > m ? w : m), 0)
  const showImportance = importance !== undefined && importance.size > 0
  const showDrops = scoreDrops !== undefined && scoreDrops !== null && scoreDrops.length === tokens.length
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
                title="Validation NDCG@10 lost when the field is pinned to its most common value (a history token: emptied)"
              >
                NDCG@10 drop
              </th>
            )}
            {showDrops && (
              <th
                scope="col"
                title={`Score of ${scoreDropOf ?? 'the top recommendation'} lost when the token is removed`}
              >
                Score lost if removed
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
                {showDrops && (
                  <td className={scoreDrops[i] > 0 ? 'drop drop-positive' : 'drop'}>
                    {formatDrop(scoreDrops[i])}
                  </td>
                )}
              </tr>
            )
          })}
        </tbody>
      </table>
      {showImportance && (
        <p className="help weight-note">
          NDCG@10 drop: validation NDCG@10 lost when the field is pinned to its most common value (a history
          token is emptied), measured once on the final model. Bold: the model relies on the field. Attention
          weights explain, they do not prove.
        </p>
      )}
      {showDrops && (
        <p className="help weight-note">
          Score lost if removed: how much the score of {scoreDropOf ?? 'the top recommendation'} falls when
          the token is taken away (a field set to missing, a history item removed and the next older one
          moving in). Bold: it raised the score. Compare it with the pooling weight: attention is where the
          model looked, this is what the answer depended on.
        </p>
      )}
    </div>
  )
}
