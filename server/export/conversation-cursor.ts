/**
 * Where a page of conversations ends, handed to clients as an opaque token: they pass it back
 * for the next page and never build one, so the paging key can change without breaking them.
 * The key is (creation time, id), which a conversation never changes: pages neither repeat nor
 * skip a conversation however many are opened or closed in between.
 */

export interface ConversationCursor {
  createdAt: number
  id: number
}

export const encodeCursor = ({ createdAt, id }: ConversationCursor) => Buffer.from(`${createdAt}.${id}`).toString('base64url')

/** Undefined for anything this server did not hand out. */
export function decodeCursor(token: string): ConversationCursor | undefined {
  const match = /^(\d{1,15})\.(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString())
  return match ? { createdAt: Number(match[1]), id: Number(match[2]) } : undefined
}
