// Feeds a JUnit XML file to junit2json (an npm package that CI dashboards'
// uploaders use) and prints what it read as JSON, so check_reports.py can
// compare it with what leakcheck meant to write.
// Usage: node junit_consumer.mjs NPM_DIR FILE.xml
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [npmDir, xmlFile] = process.argv.slice(2);
// The package lives in a cache directory outside the source tree, where
// node's own resolution would not look, so it is imported by path.
const entry = join(npmDir, 'node_modules', 'junit2json', 'dist', 'esm', 'index.js');
const { parse } = await import(pathToFileURL(entry).href);
const parsed = await parse(readFileSync(xmlFile, 'utf8'));
process.stdout.write(JSON.stringify(parsed));
