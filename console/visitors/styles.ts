/** Styles of the visitors screen and the visitor context panel, adopted with the console's own. */
export const visitorsCss = ``
