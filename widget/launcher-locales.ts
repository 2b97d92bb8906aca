/**
 * The few words the loader itself shows. The panel's full tables live in locales.ts and
 * travel with the panel, so that every page view does not pay for every language.
 */
export const launcherLocales = {
  en: {
    openChat: 'Open chat',
    closeChat: 'Close chat',
  },
  fr: {
    openChat: 'Ouvrir le chat',
    closeChat: 'Fermer le chat',
  },
}

export type LocaleName = keyof typeof launcherLocales

/** The first of `candidates` (`fr-CA`, `en`...) whose language Parley speaks; English otherwise. */
export function pickLocale(...candidates: (string | null | undefined)[]): LocaleName {
  for (const candidate of candidates) {
    const language = candidate?.toLowerCase().split(/[-_]/)[0]
    if (language && language in launcherLocales) return language as LocaleName
  }
  return 'en'
}
