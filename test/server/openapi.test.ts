/**
 * The OpenAPI document is generated from the routes' own schemas: it must be a valid OpenAPI 3.1
 * document and describe every public route, so that client generators and API tools accept it.
 */
import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import { serversPerTest } from '../support/test-server.js'

const start = serversPerTest()

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1, served without a token', async () => {
    const server = await start()
    const response = await fetch(`${server.url}/api/v1/openapi.json`)
    expect(response.status).toBe(200)
    const document = await response.json()

    const validator = new Validator()
    const result = await validator.validate(document)

    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect(validator.version).toBe('3.1')
  })

  it('describes every route of the REST API, each behind the API token', async () => {
    const server = await start()
    const document = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>
      security: unknown[]
      components: { securitySchemes: Record<string, unknown> }
    }
    const routes = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))

    expect(routes).toEqual(expect.arrayContaining([
      'GET /conversations', 'POST /conversations', 'GET /conversations/{id}', 'GET /conversations/{id}/messages',
      'POST /conversations/{id}/messages', 'GET /conversations/{id}/transcript', 'GET /export/messages',
      'GET /visitors/{id}', 'DELETE /visitors/{id}', 'GET /audit', 'GET /sites', 'PATCH /sites/{id}',
      'GET /webhooks', 'POST /webhooks', 'PATCH /webhooks/{id}', 'DELETE /webhooks/{id}',
      'POST /webhooks/{id}/rotate-secret', 'GET /webhooks/{id}/deliveries',
    ]))
    expect(document.security).toEqual([{ apiToken: [] }])
    expect(document.components.securitySchemes.apiToken).toMatchObject({ type: 'http', scheme: 'bearer' })
  })
})
