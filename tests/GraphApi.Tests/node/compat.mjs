// Usage: node compat.mjs <contract.graphql> <served.graphql>
// Prints graphql-js findBreakingChanges(contract, served) as JSON lines; exits 1 when any exists.
import { readFileSync } from 'node:fs';
import { buildSchema, findBreakingChanges } from 'graphql';

const [contractPath, servedPath] = process.argv.slice(2);
const contract = buildSchema(readFileSync(contractPath, 'utf8'));
const served = buildSchema(readFileSync(servedPath, 'utf8'));
const breaking = findBreakingChanges(contract, served);
for (const change of breaking) console.log(`${change.type}: ${change.description}`);
console.log(`${breaking.length} breaking change(s)`);
process.exit(breaking.length === 0 ? 0 : 1);
