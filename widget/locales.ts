/**
 * The panel's words, per language (the loader's few are in launcher-locales.ts, with the rule
 * that picks the language). Every language there must be here too.
 */
import type { LocaleName } from './launcher-locales.js'

const en = {
  openChat: 'Open chat',
  closeChat: 'Close chat',
  title: 'Chat with us',
  message: 'Message',
  send: 'Send',
  placeholder: 'Write a message…',
  typing: (name: string) => (name ? `${name} is typing…` : 'Typing…'),
  joined: (name: string) => `You are chatting with ${name}`,
  waiting: 'Waiting for an agent…',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting… your messages will be sent when we are back.',
  offline: 'You are offline. Your messages will be sent when you are back online.',
  sending: 'Sending…',
  delivered: 'Delivered',
  read: 'Read',
  notSent: (why: string) => `Not sent: ${why}`,
  slowDown: 'You are sending messages too fast. We will send them in a moment.',
  away: 'We are away right now. Leave a message and your email, and we will get back to you.',
  email: 'Email',
  name: 'Name',
  start: 'Start chat',
  prechat: 'Tell us who you are, so we can get back to you.',
  saved: 'Thanks! We will answer by email if you have left.',
  olderMessages: 'Show earlier messages',
  newMessages: (count: number) => `${count} new message${count === 1 ? '' : 's'}`,
  you: 'You',
}

const fr: Strings = {
  openChat: 'Ouvrir le chat',
  closeChat: 'Fermer le chat',
  title: 'Discutons',
  message: 'Message',
  send: 'Envoyer',
  placeholder: 'Écrivez un message…',
  typing: (name: string) => (name ? `${name} écrit…` : 'En train d’écrire…'),
  joined: (name: string) => `Vous discutez avec ${name}`,
  waiting: 'En attente d’un conseiller…',
  connecting: 'Connexion…',
  reconnecting: 'Reconnexion… vos messages partiront dès le retour de la connexion.',
  offline: 'Vous êtes hors ligne. Vos messages partiront dès le retour de la connexion.',
  sending: 'Envoi…',
  delivered: 'Distribué',
  read: 'Lu',
  notSent: (why: string) => `Non envoyé : ${why}`,
  slowDown: 'Vous envoyez des messages trop vite. Ils partiront dans un instant.',
  away: 'Nous sommes absents. Laissez un message et votre e-mail, nous vous répondrons.',
  email: 'E-mail',
  name: 'Nom',
  start: 'Commencer',
  prechat: 'Dites-nous qui vous êtes, pour que nous puissions vous répondre.',
  saved: 'Merci ! Nous répondrons par e-mail si vous êtes parti.',
  olderMessages: 'Afficher les messages précédents',
  newMessages: (count: number) => `${count} nouveau${count === 1 ? '' : 'x'} message${count === 1 ? '' : 's'}`,
  you: 'Vous',
}

export type Strings = typeof en
export const locales: Record<LocaleName, Strings> = { en, fr }
