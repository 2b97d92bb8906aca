/**
 * A response body that asks its source for the next chunk only when the client has taken the
 * previous one, so a slow reader holds the producer back instead of filling memory.
 *
 * Why not hono's `stream()` helper: it ends the response normally when the producer throws, so
 * an export cut short by a failure would look complete. Here a failure errors the body, and the
 * server cuts the connection without the final chunk: the client sees an incomplete transfer.
 * When the client goes away, the source's `return()` runs and nothing more is read.
 */

const encoder = new TextEncoder()

/**
 * @example return c.body(pullStream(messageExportChunks(store, request), (error) => logger.error({ err: error }, 'export failed')))
 */
export function pullStream(chunks: AsyncGenerator<string, void, undefined>, onError: (error: unknown) => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await chunks.next()
        if (done) controller.close()
        else controller.enqueue(encoder.encode(value))
      } catch (error) {
        onError(error)
        controller.error(error)
      }
    },
    async cancel() {
      await chunks.return()
    },
  }, { highWaterMark: 0 })
}
