export * from './limits.js'
export * from './client-frames.js'
export * from './server-frames.js'
export * from './codec.js'
