export { lossyProxy, type LinkImpairment, type LinkStats, type LossyProxy, type LossyProxyOptions, type ProxiedDatagram } from './lossy-proxy.js'
