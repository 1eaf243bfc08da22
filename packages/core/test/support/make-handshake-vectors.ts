// Writes test/vectors/handshake.json from the fixed inputs:
//   tsx --conditions=@kp/source test/support/make-handshake-vectors.ts
// The intermediate values (dh, hs, handshake keys, signatures, master, plaintexts) are there so
// docs/PROTOCOL.md's worked example can show every step; test/protocol-doc.test.ts checks it.
import { writeFileSync } from 'node:fs'
import { BipackWriter } from '@kp/bipack'
import { hash, kdf, x25519KeyPairFromSecret, x25519SharedSecret } from '@kp/crypto'
import { writeCall, writeReady } from '../../src/protocol/messages.js'
import { hex, READY_VALUES, runHandshake, unhex, vectorInputs } from './handshake-run.js'

const r = await runHandshake(vectorInputs)
const ec = x25519KeyPairFromSecret(unhex(vectorInputs.client_ephemeral_secret))
const es = x25519KeyPairFromSecret(unhex(vectorInputs.server_ephemeral_secret))
const th1 = hash('kp1-th1', r.hello, es.publicKey)
const th2 = hash('kp1-th2', th1, r.welcome)
const dh = x25519SharedSecret(es.secretKey, ec.publicKey)
const hs = kdf(dh, 'kp1-hs', th1)
const master = kdf(dh, 'kp1-master', r.client.keys.th3)
const ready = new BipackWriter()
writeReady(ready, READY_VALUES)
const call = new BipackWriter()
writeCall(call, 1, 'ping', new BipackWriter().string('hello').toBytes())
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
  client_id: hex(r.clientKey.publicKey.bytes),
  server_id: hex(r.serverKey.publicKey.bytes),
  e_c_pub: hex(ec.publicKey),
  e_s_pub: hex(es.publicKey),
  dh: hex(dh),
  hs: hex(hs),
  k_s_hs: hex(kdf(hs, 'kp1-s-hs')),
  k_c_hs: hex(kdf(hs, 'kp1-c-hs')),
  sig_s: hex(r.serverKey.sign(new Uint8Array([...new TextEncoder().encode('kp1-server-sig'), ...th1]))),
  sig_c: hex(r.clientKey.sign(new Uint8Array([...new TextEncoder().encode('kp1-client-sig'), ...th2]))),
  master: hex(master),
  ready_plaintext: hex(ready.toBytes()),
  call_plaintext: hex(call.toBytes()),
}
writeFileSync(new URL('../vectors/handshake.json', import.meta.url), JSON.stringify(out, null, 1) + '\n')
console.log('wrote test/vectors/handshake.json')
