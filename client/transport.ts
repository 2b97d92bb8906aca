/**
 * What the connection needs from a transport: open a link to the server, move text frames
 * both ways, say when the link is gone. Transports are passed into the connection rather
 * than imported by it, so a bundle that does not use one does not carry it.
 */
export interface LinkHandlers {
  /** The link can carry frames. */
  open(): void
  /** One text frame from the server. */
  frame(text: string): void
  /** The link is gone (it will not call anything again). Why does not matter: any loss is handled alike. */
  closed(): void
}

export interface Link {
  send(frame: string): void
  close(): void
}

export interface Transport {
  readonly name: 'websocket' | 'polling'
  /** `query` is the query string both transports add to their URL (`site=KEY` for visitors). */
  connect(baseUrl: string, query: string, handlers: LinkHandlers): Link
}
