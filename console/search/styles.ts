/** Styles of search and canned responses, adopted with the console's own. */
export const searchCss = ``
