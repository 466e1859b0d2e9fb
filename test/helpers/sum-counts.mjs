// Sums the JSON lines written by count-reporter.cjs and prints "N passed, N failed" (the last line CI reads).
import { existsSync, readFileSync } from 'node:fs';

const file = process.argv[2];
let passed = 0;
let failed = 0;
const lines = file && existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '') : [];
for (const line of lines) {
  const counts = JSON.parse(line);
  passed += counts.passed;
  failed += counts.failed;
}
console.log(`${passed} passed, ${failed} failed`);
