import { type ResumeScenarioReport, runResumeScenario } from '@kp/core/testing'
import { describe, expect, it } from 'vitest'
import { tcpConnector, tcpListener } from '../src/index.js'

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

// Resumable sessions (PROTOCOL.md 15) over real TCP on 127.0.0.1: the socket is cut while 1 000
// calls each way, a stream and pushes are in flight.
describe('resumable sessions over TCP', () => {
  it('the socket is killed mid-flight: every call answered once, no handler twice, stream in order, pushes once', async () => {
    const l = await tcpListener({ host: '127.0.0.1', port: 0 })
    expectClean(await runResumeScenario({ listeners: [l], connectors: [tcpConnector({ host: '127.0.0.1', port: l.address.port })] }))
  })

  it('three cuts, each after a black hole (nothing arrives for 30 ms)', async () => {
    const l = await tcpListener({ host: '127.0.0.1', port: 0 })
    expectClean(
      await runResumeScenario({ listeners: [l], connectors: [tcpConnector({ host: '127.0.0.1', port: l.address.port })], cuts: 3, blackholeMs: 30 }),
      3,
    )
  })
})
