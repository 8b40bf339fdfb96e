import { useRef, type ReactNode } from 'react'
import { svgToPng } from './chartExport'
import { ExportButtons } from './ExportButtons'

/**
 * Adds "Save PNG" and "Save CSV" under a chart (recharts' or `SvgLineChart`'s) without touching it:
 * the PNG is drawn from the chart's SVG (the HTML legend is not part of it), the CSV from the rows the
 * caller passes.
 */
export function ExportableChart({
  what,
  fileBase,
  csv,
  children,
}: {
  what: string
  fileBase: string
  csv: (() => (string | number | null)[][]) | null
  children: ReactNode
}) {
  const ref = useRef<HTMLDivElement>(null)
  return (
    <div className="exportable-chart" ref={ref}>
      {children}
      <ExportButtons
        what={what}
        fileBase={fileBase}
        png={
          csv &&
          (() => {
            const svg = ref.current?.querySelector<SVGSVGElement>('svg.recharts-surface, svg.chart-svg')
            if (!svg) return Promise.reject(new Error('Nothing is drawn yet.'))
            return svgToPng(svg)
          })
        }
        csv={csv}
      />
    </div>
  )
}
