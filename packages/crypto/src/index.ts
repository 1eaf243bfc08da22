/**
 * `@kp/crypto` outside Node (browsers, workers, Deno, Bun without the `node` condition): the
 * pure-JavaScript backend. In Node the `node` export condition selects `index.node.ts` instead,
 * with the same API.
 * @module
 */
export * from './index.noble.js'
