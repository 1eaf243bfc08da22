#!/usr/bin/env node
// `pnpm changeset …` (the root scripts run this file): the @changesets/cli 3 command line on
// the Node this project supports. @changesets/cli 3 declares Node >= 22.11: its bin calls
// module.enableCompileCache(), `changeset add` uses Set.prototype.intersection/union and
// `changeset publish` Promise.withResolvers, none of which Node 20 has. Start the CLI without
// its bin and fill in exactly those three standard methods when they are missing.
// tools/release-check/test/versioning.test.ts runs add, status and version through this file.

const proto = /** @type {any} */ (Set.prototype)
if (typeof proto.intersection !== 'function') {
  /** @param {Iterable<unknown> & { has(v: unknown): boolean }} other */
  proto.intersection = function intersection(other) {
    return new Set([...this].filter((v) => other.has(v)))
  }
}
if (typeof proto.union !== 'function') {
  /** @param {{ keys(): Iterable<unknown> }} other */
  proto.union = function union(other) {
    return new Set([...this, ...other.keys()])
  }
}
if (typeof (/** @type {any} */ (Promise).withResolvers) !== 'function') {
  /** @type {any} */ (Promise).withResolvers = function withResolvers() {
    let resolve
    let reject
    const promise = new this((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}

await import('@changesets/cli')
