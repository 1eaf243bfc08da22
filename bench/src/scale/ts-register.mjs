/**
 * Runs the TypeScript sources the way they ship: `node --import ./ts-register.mjs --conditions=@kp/source`.
 *
 * tsx compiles with esbuild's `keepNames`, which gives every function a redefined `name`
 * property: about 256 bytes more per closure (V8 moves the function's properties out of line).
 * A session holds about 30 closures, so under tsx an idle session measured some 8 KiB more than
 * the compiled packages (`tsc`, no name wrappers) use. These hooks strip the types with esbuild
 * and nothing else. Imports written `./x.js` resolve to `./x.ts` when only that exists.
 */
import { register } from 'node:module'

register('./ts-hooks.mjs', import.meta.url)
