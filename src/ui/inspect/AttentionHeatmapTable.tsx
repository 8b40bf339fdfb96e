import { useId, useState } from 'react'
import { ScrollFrame } from '../shared/ScrollFrame'

/**
 * Every value of the matrix as a table, for screen readers and for copying (a toggle, closed at first).
 * Its cells exist only while it is open: a 27-token matrix is 729 cells, re-made after every epoch.
 */
export function AttentionHeatmapTable({
  names: tokens,
  matrix,
}: {
  names: readonly string[]
  matrix: readonly number[]
}) {
  const id = useId()
  const [open, setOpen] = useState(false)
  const n = tokens.length
  return (
    <div className="values-table">
      <button type="button" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
        Attention values as a table
      </button>
      <ScrollFrame label="Attention as a table" id={id} hidden={!open}>
        {open && (
          <table className="metrics">
            <caption>Rows attend to columns (each row sums to 1)</caption>
            <thead>
              <tr>
                <th scope="col">Query \ key</th>
                {tokens.map((t) => (
                  <th scope="col" key={t}>
                    {t}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {tokens.map((t, i) => (
                <tr key={t}>
                  <th scope="row">{t}</th>
                  {tokens.map((u, j) => (
                    <td key={u}>{matrix[i * n + j].toFixed(3)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ScrollFrame>
    </div>
  )
}
