// CommonJS consumers: require() of these ESM-only packages works on the supported Node
// (>= 20.19 loads ES modules synchronously), which is why attw runs with --profile esm-only.
const core = require('@kp/core')
const tcp = require('@kp/transport-tcp')
console.log(JSON.stringify({ connect: typeof core.connect, connectTcp: typeof tcp.connectTcp }))
