export { guestAgentContract, guestTopic, filesystemStats } from './guest-agent.js';
export type { GuestAgentContract } from './guest-agent.js';
export { taskManagerContract } from './taskmanager.js';
export type { TaskManagerContract } from './taskmanager.js';
export { conductorContract } from './conductor.js';
export type { ConductorContract } from './conductor.js';
export { serializedSchema, serializedUser, overrides } from './common.js';
