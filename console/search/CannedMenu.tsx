import { useEffect, useRef } from 'preact/hooks'
import type { CannedResponse } from '../canned.js'

interface CannedMenuProps {
  id: string
  responses: CannedResponse[]
  active: number
  onActive(index: number): void
  onPick(response: CannedResponse): void
}

/** Id of a suggestion, for the reply field's aria-activedescendant. */
export const cannedOptionId = (menuId: string, index: number) => `${menuId}-${index}`

/** The canned responses matching what follows `/`, above the reply field. Keys stay in the field; the mouse works here. */
export function CannedMenu({ id, responses, active, onActive, onPick }: CannedMenuProps) {
  const list = useRef<HTMLUListElement>(null)
  useEffect(() => {
    list.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' })
  }, [active])
  return (
    <ul ref={list} id={id} class="canned-menu" role="listbox" aria-label="Canned responses">
      {responses.map((response, index) => (
        <li
          key={response.id}
          id={cannedOptionId(id, index)}
          role="option"
          aria-selected={index === active}
          class="canned-option"
          // Pressing would take the focus from the reply field, and the caret with it.
          onMouseDown={(event) => event.preventDefault()}
          onMouseEnter={() => onActive(index)}
          onClick={() => onPick(response)}
        >
          <span class="canned-shortcut">/{response.shortcut}</span>
          <span class="canned-text">{response.text}</span>
        </li>
      ))}
    </ul>
  )
}
