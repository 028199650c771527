// Usage: node subscribe.mjs <ws url of /graphql> <token or -> <after> <events to receive, 0 = until killed> [filter JSON]
// The reference graphql-transport-ws client (graphql-ws) subscribes to petitionEvents and prints one
// JSON line per happening: connected, next (sequence, petitionId, version, type), error, closed, complete.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, after, wantText, filterJson] = process.argv.slice(2);
const want = Number(wantText ?? '0');
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const finish = (code = 0) => setTimeout(() => process.exit(code), 100);

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  lazy: false,
  retryAttempts: 0,
  onNonLazyError: () => {},
  connectionParams: token && token !== '-' ? { authorization: `Bearer ${token}` } : {},
  on: {
    connected: () => out({ kind: 'connected' }),
    closed: (e) => out({ kind: 'closed', code: e?.code, reason: e?.reason }),
  },
});

const query = `subscription($after: Long, $filter: PetitionEventFilter) {
  petitionEvents(after: $after, filter: $filter) { sequence petitionId version type occurredAt data }
}`;
let received = 0;
client.subscribe(
  { query, variables: { after: after === '-' ? null : Number(after), filter: filterJson ? JSON.parse(filterJson) : null } },
  {
    next: (result) => {
      if (result.errors) {
        out({ kind: 'errors', errors: result.errors });
        return;
      }
      const e = result.data.petitionEvents;
      out({ kind: 'next', sequence: e.sequence, petitionId: e.petitionId, version: e.version, type: e.type, data: e.data });
      if (want > 0 && ++received === want) {
        out({ kind: 'done', received });
        client.dispose();
        finish();
      }
    },
    error: (err) => {
      if (Array.isArray(err)) out({ kind: 'error', errors: err });
      else out({ kind: 'error', code: err?.code, reason: err?.reason, message: err?.message });
      client.dispose();
      finish();
    },
    complete: () => {
      out({ kind: 'complete' });
      finish();
    },
  },
);
