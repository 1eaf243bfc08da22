import { describe, expect, it } from 'vitest'
import { memoryConnector, memoryListener } from '../src/index.js'
import { runResumeScenario } from '../src/testing/index.js'

describe('resumable sessions over the memory transport', () => {
  it('a cut link resumes: every call answered once, no handler twice, stream in order, pushes once', async () => {
    const l = await memoryListener()
    const r = await runResumeScenario({ listeners: [l], connectors: [memoryConnector(l.address.port)], cuts: 1 })
    console.log(JSON.stringify(r))
    expect(r.errors).toEqual([])
    expect(r.cuts).toBe(1)
    expect(r.resumed).toBe(1)
    expect(r.serverSessions).toBe(1)
    expect(r.calls).toMatchObject({ answered: 1000, wrong: 0, failed: 0, handlerRunsTwice: 0, handlerNeverRan: 0 })
    expect(r.serverCalls).toMatchObject({ answered: 1000, wrong: 0, failed: 0, handlerRunsTwice: 0, handlerNeverRan: 0 })
    expect(r.stream).toMatchObject({ received: 2000, inOrder: true, error: null })
    expect(r.pushes).toMatchObject({ toServer: 200, toServerDuplicated: 0, toClient: 200, toClientDuplicated: 0 })
  })
})
