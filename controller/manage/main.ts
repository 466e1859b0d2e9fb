#!/usr/bin/env node
/**
 * Entry point of `trove-manage`, the operator's CLI (reference §11): schema migrations, datastores and
 * versions, configuration parameters, flavor and volume-type associations, and the sample config
 * generator. Every command prints progress on stdout; a failure is one readable line on stderr, exit
 * status 2 for usage or configuration errors and 1 otherwise, and leaves the database unchanged.
 */
import { runManage } from './program.js';

process.exitCode = await runManage(process.argv);
