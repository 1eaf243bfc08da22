import { Link, type LinkOptions } from '../link/link.js'
import { Session, type SessionOptions } from './session.js'

/** Everything a session and its first link need once the handshake produced session keys. @internal */
export interface CreateSessionOptions<S> extends LinkOptions, SessionOptions<S> {}

/** A session on a new link over `options.transport`; frames go to `session.link.onFrame`. @internal */
export function createSession<S>(options: CreateSessionOptions<S>): Session<S> {
  // the session does not keep the keys or the FINISH frame: once the link has its ciphers, no one does
  const { keys: _keys, finish: _finish, ...sessionOptions } = options
  return new Session<S>(new Link(options), sessionOptions)
}
