import { fileURLToPath } from 'node:url'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'

/** The Echo service, loaded the way grpc-js documents it (@grpc/proto-loader). */
export function loadEcho(): grpc.ServiceClientConstructor {
  const def = protoLoader.loadSync(fileURLToPath(new URL('./echo.proto', import.meta.url)), { keepCase: true })
  const pkg = grpc.loadPackageDefinition(def) as unknown as { bench: { Echo: grpc.ServiceClientConstructor } }
  return pkg.bench.Echo
}
