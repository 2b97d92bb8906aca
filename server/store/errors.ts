/** A write broke a uniqueness rule (an agent's email, a site key): the caller's input is at fault. */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError'
  constructor(message: string, readonly field: string) {
    super(message)
  }
}
