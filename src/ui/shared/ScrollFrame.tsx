import type { ReactNode } from 'react'

/**
 * A frame that scrolls its content sideways when it is wider than the page (a wide table on a phone),
 * so the page itself never does. Focusable and named, so a keyboard can scroll it too.
 */
export function ScrollFrame({
  label,
  children,
  id,
  hidden,
}: {
  label: string
  children: ReactNode
  id?: string
  hidden?: boolean
}) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={label} id={id} hidden={hidden}>
      {children}
    </div>
  )
}
