/**
 * Defaults shared by server and clients. The server may be configured with other values and
 * tells every client the ones in force in its `welcome` frame.
 */
export const PROTOCOL_VERSION = 1

/** Longest message text, in UTF-16 code units (what `String.length` counts). */
export const MAX_TEXT_LENGTH = 4000
/** Longest frame a client may send, in bytes; larger frames are refused before parsing. */
export const MAX_FRAME_BYTES = 64 * 1024
/** Longest client message id: ids are opaque, made by clients (a UUID fits). */
export const MAX_CLIENT_ID_LENGTH = 64
/** How often the server pings; a client that hears nothing for twice this long reconnects. */
export const HEARTBEAT_INTERVAL_MS = 25_000
/** Most events returned by one `history` request. */
export const MAX_HISTORY_PAGE = 100
/** Clients should send `typing: true` at most this often while the user keeps typing. */
export const TYPING_THROTTLE_MS = 2_000

export interface Limits {
  maxTextLength: number
  maxFrameBytes: number
  heartbeatMs: number
}

export const defaultLimits: Limits = {
  maxTextLength: MAX_TEXT_LENGTH,
  maxFrameBytes: MAX_FRAME_BYTES,
  heartbeatMs: HEARTBEAT_INTERVAL_MS,
}
