/** The HTTP adapter on a real socket: health, internal routes, body limits, keep-alive. */
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { test } from 'node:test'
import { startTestServer } from '../helpers/server.js'

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

function send(port: number, method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    if (body !== undefined) req.end(body)
    else req.end()
  })
}

test('GET /_openslb/health answers 200 with a JSON status; unknown internal paths 404', async (t) => {
  const s = await startTestServer(t)
  const res = await send(s.port, 'GET', '/_openslb/health')
  assert.equal(res.status, 200)
  const body = JSON.parse(res.body) as Record<string, unknown>
  assert.equal(body['status'], 'ok')
  assert.equal(body['store'], 'sqlite')
  assert.equal(typeof body['generation'], 'number')
  assert.equal((await send(s.port, 'GET', '/_openslb/nothing')).status, 404)
})

test('an oversized body is refused with the error envelope and the connection closed', async (t) => {
  const s = await startTestServer(t, { config: { maxBodyBytes: 1024 } })
  const big = Buffer.alloc(4096, 'a')
  const declared = await send(s.port, 'POST', '/', big, { 'content-type': 'application/x-www-form-urlencoded' })
  assert.equal(declared.status, 400)
  const body = JSON.parse(declared.body) as Record<string, string>
  assert.equal(body['Code'], 'InvalidParameter')
  assert.match(body['Message']!, /exceeds the limit of 1024 bytes/)
  assert.equal(declared.headers['connection'], 'close')

  // Chunked, so the size is only known while reading.
  const chunked = await send(s.port, 'POST', '/', big, { 'transfer-encoding': 'chunked' })
  assert.equal(chunked.status, 400)
  assert.equal((JSON.parse(chunked.body) as Record<string, string>)['Code'], 'InvalidParameter')
})

test('an unsigned RPC call gets MissingParameter, not a crash', async (t) => {
  const s = await startTestServer(t)
  const res = await send(s.port, 'GET', '/?Action=DescribeRegions&Version=2014-05-15')
  assert.equal(res.status, 400)
  assert.equal((JSON.parse(res.body) as Record<string, string>)['Code'], 'MissingParameter')
  const garbage = await send(s.port, 'POST', '/', Buffer.from('%%%&&&==='), { 'content-type': 'application/x-www-form-urlencoded' })
  assert.equal(garbage.status, 400)
})
