/**
 * The server half of the benchmark, run in a child process (its own core, like a real
 * deployment): the plain TCP and TLS 1.3 frame echoes, and (when asked) a Kiloparsec server.
 */
import { readFileSync } from 'node:fs'
import { startNetEcho, startTlsEcho } from './echo.js'

const [certDir, withKp] = process.argv.slice(2)
const key = readFileSync(`${certDir}/key.pem`, 'utf8')
const cert = readFileSync(`${certDir}/cert.pem`, 'utf8')
const ports: Record<string, unknown> = { net: await startNetEcho(), tls: await startTlsEcho(key, cert) }
if (withKp === 'kp') Object.assign(ports, await (await import('./kp-server.js')).startKpServer())
process.send!(ports)
process.on('disconnect', () => process.exit(0))
