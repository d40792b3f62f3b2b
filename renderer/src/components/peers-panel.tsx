// The light client's peers, read every 10 s (`sync.peers`): each one's address, the services it
// offers, whether the connection is encrypted (BIP324 v2) and whether it goes through Tor.
import type { BackendView } from '../../../src/api/contract.js';
import { call } from '../api.js';
import { useLoad } from '../hooks/use-load.js';
import { ErrorNote } from './field.js';

export function PeersPanel({ revision, backend }: { revision: number; backend: BackendView['kind'] }) {
  const list = useLoad(() => call('sync.peers', {}), revision, 10_000);
  const peers = list.data?.peers ?? [];
  const own = backend === 'node' || backend === 'rpc';
  return (
    <section className="card" aria-labelledby="set-peers" data-testid="settings/peers">
      <h2 id="set-peers">Peers</h2>
      {own ? (
        <p className="muted">{backend === 'node' ? 'The embedded node' : 'Your node'} chooses its own peers; Coffer talks only to it.</p>
      ) : (
        <>
          <ErrorNote text={list.error} testId="settings/peers-error" />
          {list.data && peers.length === 0 ? (
            <p className="muted" data-testid="settings/peers-empty">
              Not connected to any peer right now.
            </p>
          ) : null}
          {peers.length > 0 ? (
            <table className="peers">
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <th scope="col">Services</th>
                  <th scope="col">Transport</th>
                  <th scope="col">Via Tor</th>
                </tr>
              </thead>
              <tbody>
                {peers.map((p) => (
                  <tr key={p.address} data-testid="peer" data-address={p.address} title={p.userAgent}>
                    <td className="mono small">{p.address}</td>
                    <td data-testid="peer/services">{p.services.join(', ')}</td>
                    <td data-testid="peer/transport">{p.transport === 'v2' ? 'v2 (encrypted)' : 'v1'}</td>
                    <td data-testid="peer/via">{p.viaProxy ? 'yes' : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      )}
    </section>
  );
}
