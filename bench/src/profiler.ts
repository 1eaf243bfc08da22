/** In-process V8 CPU profiling of the measured part only (not module loading or warm-up). */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'

let session: Session | null = null

function post<T = unknown>(method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session!.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r as T))))
}

/** Starts sampling every 100 µs. */
export async function startProfile(): Promise<void> {
  if (session) return
  session = new Session()
  session.connect()
  await post('Profiler.enable')
  await post('Profiler.setSamplingInterval', { interval: 100 })
  await post('Profiler.start')
}

/** Stops sampling and writes the `.cpuprofile` to `file`. */
export async function stopProfile(file: string): Promise<void> {
  if (!session) return
  const { profile } = await post<{ profile: unknown }>('Profiler.stop')
  session.disconnect()
  session = null
  writeFileSync(file, JSON.stringify(profile))
}
