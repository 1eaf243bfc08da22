// Writes test/vectors/handshake.json from the fixed inputs:
//   tsx --conditions=@kp/source test/support/make-handshake-vectors.ts
import { writeFileSync } from 'node:fs'
import { hash } from '@kp/crypto'
import { hex, runHandshake, vectorInputs } from './handshake-run.js'

const r = runHandshake(vectorInputs)
const th1 = hash('kp1-th1', r.hello, r.welcome.subarray(2, 34))
const th2 = hash('kp1-th2', th1, r.welcome)
const out = {
  about:
    'Kiloparsec v1 handshake (PROTOCOL.md 4-6) from fixed inputs. The client proves its identity (client_seed). server_first_record is the server READY (maxMessage 16777189, pingIntervalMs 10000, idleTimeoutMs 30000) as record counter 0; client_first_record is CALL id 1 command "ping" with the bipack string "hello" as record counter 0. All values hex.',
  ...vectorInputs,
  hello: hex(r.hello),
  welcome: hex(r.welcome),
  finish: hex(r.finish),
  th1: hex(th1),
  th2: hex(th2),
  th3: hex(r.client.keys.th3),
  k_c2s: hex(r.client.keys.c2s),
  k_s2c: hex(r.client.keys.s2c),
  token: hex(r.client.keys.token),
  server_first_record: hex(r.serverFirst),
  client_first_record: hex(r.clientFirst),
}
writeFileSync(new URL('../vectors/handshake.json', import.meta.url), JSON.stringify(out, null, 1) + '\n')
console.log('wrote test/vectors/handshake.json')
