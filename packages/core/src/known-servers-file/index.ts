/**
 * `@kp/core/known-servers-file`: the Node store of known servers (trust on first use), one text
 * file like SSH's `known_hosts`. Node only (`node:fs`); browsers use `localStorageKnownServers`
 * from `@kp/core`.
 * @module
 */
export { type FileKnownServersOptions, fileKnownServers } from './file-known-servers.js'
export { FILE_HEADER, parseKnownServers } from './known-servers-text.js'
