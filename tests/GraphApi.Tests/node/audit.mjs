// Usage: node audit.mjs <url of /graphql>
// Runs graphql-http's auditServer (GraphQL over HTTP spec); prints every result and exits 1
// when any MUST item fails (status "error"). SHOULD items that fail are printed as warnings.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
let errors = 0;
for (const r of results) {
  if (r.status === 'error') errors++;
  const reason = r.status === 'ok' ? '' : ` -- ${r.reason}`;
  console.log(`${r.status.toUpperCase().padEnd(5)} ${r.id} ${r.name}${reason}`);
}
console.log(`${results.length} audits, ${errors} failing MUST item(s), ${results.filter((r) => r.status === 'warn').length} warning(s)`);
process.exit(errors === 0 ? 0 : 1);
