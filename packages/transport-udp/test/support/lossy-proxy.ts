// The proxy ships with the package (`@kp/transport-udp/testing`); tests use it from here.
export * from '../../src/testing/lossy-proxy.js'
