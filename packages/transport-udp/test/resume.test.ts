import { type ResumeScenarioReport, runResumeScenario } from '@kp/core/testing'
import { describe, expect, it } from 'vitest'
import { udpConnector, udpListener } from '../src/index.js'

function expectClean(r: ResumeScenarioReport, cuts = 1) {
  expect(r.errors).toEqual([])
  expect([r.cuts, r.resumed, r.refused, r.serverSessions]).toEqual([cuts, cuts, 0, 1])
  expect(r.answeredAtFirstCut).toBeLessThan(r.calls.made)
  const clean = { answered: r.calls.made, wrong: 0, failed: 0, handlerRunsTwice: 0, handlerNeverRan: 0 }
  expect(r.calls).toMatchObject(clean)
  expect(r.serverCalls).toMatchObject(clean)
  expect(r.stream).toMatchObject({ received: r.stream.expected, inOrder: true, error: null })
  expect(r.pushes).toMatchObject({ toServer: r.pushes.sent, toServerDuplicated: 0, toClient: r.pushes.sent, toClientDuplicated: 0 })
}

// Resumable sessions (PROTOCOL.md 15) over real UDP on 127.0.0.1: nothing arrives for a while
// (both ways), then the client's socket closes, while 1 000 calls each way and pushes are in flight.
describe('resumable sessions over UDP', () => {
  it('reliable mode: the datagrams are cut mid-flight; the server still holds the old link when the client comes back', async () => {
    const l = await udpListener({ host: '127.0.0.1', port: 0 })
    expectClean(
      await runResumeScenario({ listeners: [l], connectors: [udpConnector({ host: '127.0.0.1', port: l.address.port })], reliable: true, blackholeMs: 30 }),
    )
  })

  it('plain datagrams (no stream: streams need reliable mode): calls and pushes resume', async () => {
    const l = await udpListener({ host: '127.0.0.1', port: 0 })
    expectClean(
      await runResumeScenario({ listeners: [l], connectors: [udpConnector({ host: '127.0.0.1', port: l.address.port })], streamItems: 0, blackholeMs: 30 }),
    )
  })
})
