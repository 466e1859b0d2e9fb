/** The `local-process` compute backend: guest agents as host processes, containers on the host's Docker engine. */
export { createLocalProcessBackend, agentCommandFromConfig, LOCAL_PROCESS_CAPABILITIES } from './local-process-backend.js';
export type { LocalProcessBackend, LocalProcessBackendOptions } from './local-process-backend.js';
export { LocalComputeDriver } from './compute.js';
export type { ServerRecord } from './compute.js';
export { AddressPool, parseAddressRange, isListening, toAddress } from './addresses.js';
export type { AddressRange } from './addresses.js';
export { AgentLauncher, isAgentProcess, defaultAgentMain, pidFile, logFile } from './agent-process.js';
export { parseWriteFiles, renderHostConfig, containerName, HOST_CONFIG_FILE, guestMessagingLines, configText } from './config-dir.js';
export { DockerodeHost, LABEL_INSTANCE_ID } from './docker.js';
export type { DockerHost } from './docker.js';
export { LocalNetworkDriver, LOCAL_NETWORK_ID, placeNics, type NicPlacement } from './networks.js';
export { LocalVolumeDriver } from './volumes.js';
export { StateLayout } from './state.js';
