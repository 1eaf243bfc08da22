// Child process of known-servers-file.test.ts: records servers in one file at the same time as
// another copy of itself. Arguments: <file> <tag> <count> <contested id> <go file>.
// Prints "ready" once loaded, starts when the go file exists (both copies then run together),
// then prints JSON: the id on record for the contested name as this process saw it after its add.
import { existsSync } from 'node:fs'
import { PublicKey } from '@kp/crypto'
import { fileKnownServers } from '../../src/known-servers-file/index.js'

const [file, tag, count, contested, goFile] = process.argv.slice(2) as [string, string, string, string, string]
const store = fileKnownServers(file)
const id = (i: number) => PublicKey.fromBytes(new Uint8Array(32).fill(i + 1))

process.stderr.write('ready\n')
for (let i = 0; i < 60_000 && !existsSync(goFile); i++) await new Promise((r) => setTimeout(r, 1))
const start = Date.now()
let winner = ''
for (let i = 0; i < Number(count); i++) {
  await store.add(`${tag}-${i}.example:4000`, id(i))
  if (i === Math.floor(Number(count) / 2)) winner = (await store.add('contested.example:4000', PublicKey.from(contested))).toString()
}
process.stdout.write(JSON.stringify({ winner, start, end: Date.now() }))
