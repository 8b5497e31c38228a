#!/usr/bin/env node
/**
 * Runs several test files in one process: `node --import tsx --test-reporter=spec
 * scripts/test-group.mjs <file>...` imports each file in turn, so their tests register with this
 * process's test runner and run one after another, in file order, with one summary at the end.
 * scripts/run-tests.mjs uses it for the files that need no process of their own (see `pooled`
 * there): starting Node with tsx costs about half a second of CPU per process, more than many
 * files' tests.
 *
 * What changes for a file in a group: a module imported by several files is loaded once and shared
 * by them, as it is by the tests of one file (files that change the process's own state, such as
 * its environment, globals or signal handlers, or that start processes, are not pooled); a
 * top-level before() hook may run while the previous file's last tests run; top-level after()
 * hooks run when the whole group ends. A failing test is reported as `test at <file>:<line>:<col>`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

for (const file of process.argv.slice(2)) await import(pathToFileURL(resolve(file)).href);
