export { schema, createConvict, isSection, isDatastoreManager, DATASTORE_SECTIONS } from './schema.js';
export type { TroveConfig, SectionName, DatastoreManager, DatastoreOptions, Schema } from './schema.js';
export { loadConfig, defaultConfig, parseConfigArgs, defaultConfigFiles, redactedConfig } from './load.js';
export type { ConfigSources, LoadedConfig, ParsedArgs, DeepPartial } from './load.js';
export { generateSampleConfig } from './sample.js';
export { assertRpcKeys, PUBLISHED_DEFAULT_KEYS, MIN_KEY_LENGTH } from './security.js';
export { parseIni, mergeIni, IniSyntaxError } from './ini.js';
export type { IniData, IniEntry } from './ini.js';
export type { OptionMeta, OptionKind } from './options.js';
