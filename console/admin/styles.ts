/** Styles of the administration screens, adopted with the console's own. */
export const adminCss = ``
