// How Coffer sees the chain: its private light client (compact filters), the user's Bitcoin Core, the
// user's Electrum server (with what it learns, a test-connection button and the pinned
// certificates), the embedded full node, or BIP37 bloom filters (with their privacy warning); the
// Tor proxy for peers and servers.
import { useState } from 'react';
import type { BackendConfig, BackendView, Results } from '../../../src/api/contract.js';
import { call, UiError } from '../api.js';
import { sentence } from '../errors.js';
import { Field } from './field.js';

const RPC_PORTS: Record<string, number> = { main: 8332, test: 18332, signet: 38332, regtest: 18443 };

/** The core's default (src/node/source-factory.ts): compact filters, but BIP37 on regtest, whose bcoin test nodes serve no filters. */
/** Said beside the BIP37 choice; the CLI says the same on stderr (BLOOM_WARNING in src/node/source-factory.ts). */
export const BLOOM_WARNING = 'Bloom filters (BIP37) tell every peer which addresses are yours; compact filters do not.';

export function defaultBackend(network: string): BackendConfig {
  return { kind: network === 'regtest' ? 'spv' : 'filters', connect: [] };
}

function peersText(b: BackendConfig): string {
  return b.kind === 'rpc' ? '' : b.kind === 'electrum' ? b.servers.join('\n') : b.connect.join('\n');
}

/** Said beside the Electrum choice: the one thing a server learns that peers of the light client do not. */
export const ELECTRUM_PRIVACY = 'The server learns every address of this wallet. Use a server you run yourself, or reach it through Tor.';

function parsePeers(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** The saved setting as the form edits it (what the core shows about a password stays beside it). */
export function formBackend(view: BackendView): BackendConfig {
  if (view.kind === 'electrum') return { kind: 'electrum', servers: view.servers, ...(view.proxy ? { proxy: view.proxy } : {}) };
  if (view.kind !== 'rpc') return view;
  return { kind: 'rpc', url: view.url, ...(view.user ? { user: view.user } : {}), ...(view.cookieFile ? { cookieFile: view.cookieFile } : {}) };
}

/** What the embedded node is, said where it is chosen: bcoin 1.0.2 and what it does not do. */
export function EmbeddedNodeNote({ testId }: { testId: string }) {
  return (
    <p className="note warning" data-testid={testId}>
      The embedded node is bcoin 1.0.2. It does not check the taproot rules, so it could accept a block that breaks them, and it
      depends on elliptic 6.4.1, which has known vulnerabilities. Your keys never pass through it: Coffer keeps and signs with them
      using the @noble and @scure libraries. Use it for the playground; for real coins prefer the light client or your own Bitcoin Core.
    </p>
  );
}

/** The host, when the core refused an RPC address until it is confirmed (`rpc-host-public`). */
export function publicHostOf(e: unknown): string | undefined {
  return e instanceof UiError && e.wire.code === 'rpc-host-public' ? e.wire.details?.host : undefined;
}

/**
 * The core refused a new RPC address outside this computer and its private network: say what
 * connecting there means, and only on "Connect anyway" call again with publicHostConfirmed.
 */
export function PublicHostConfirm({ host, onConfirm, onCancel, idPrefix }: { host: string; onConfirm: () => void; onCancel: () => void; idPrefix: string }) {
  return (
    <div className="note warning" role="alertdialog" aria-labelledby={`${idPrefix}-public-host`} data-testid={`${idPrefix}/public-host`}>
      <p id={`${idPrefix}-public-host`}>
        <strong>{host}</strong> is not on this computer or your private network. Coffer would send your RPC user and password there, and
        whoever runs that node would see which addresses are yours. Connect only to a node you run yourself, over a connection you trust.
      </p>
      <div className="actions">
        <button type="button" onClick={onConfirm} data-testid={`${idPrefix}/public-host-confirm`}>
          Connect anyway
        </button>
        <button type="button" className="secondary" onClick={onCancel} data-testid={`${idPrefix}/public-host-cancel`}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** Peers must be host:port, Electrum servers tcp:// or ssl://HOST:PORT; the first bad entry, '' for no server at all, or undefined. */
export function badPeer(b: BackendConfig): string | undefined {
  if (b.kind === 'rpc') return undefined;
  if (b.kind === 'electrum') return b.servers.length === 0 ? '' : b.servers.find((p) => !/^(tcp|ssl):\/\/[^\s]+:\d{1,5}$/.test(p));
  return b.connect.find((p) => !/^[^\s]+:\d{1,5}$/.test(p));
}

/** The test-connection button: the first server tried as a sync would, its tip and certificate said. */
function ServerTest({ value, idPrefix, pinned }: { value: Extract<BackendConfig, { kind: 'electrum' }>; idPrefix: string; pinned: Record<string, string> }) {
  const [result, setResult] = useState<{ ok?: Results['settings.testServer']; error?: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const server = value.servers[0];
  const test = async () => {
    if (!server) return;
    setBusy(true);
    setResult(undefined);
    try {
      setResult({ ok: await call('settings.testServer', { server, ...(value.proxy ? { proxy: value.proxy } : {}) }) });
    } catch (e) {
      setResult({ error: sentence(e) });
    } finally {
      setBusy(false);
    }
  };
  const cert = result?.ok;
  const said: Record<Results['settings.testServer']['certificate'], string> = {
    tcp: 'no TLS: use ssl:// unless the connection is private (this computer, or Tor)',
    trusted: 'a certificate your system trusts',
    new: 'a certificate seen for the first time: it is pinned at the first sync, and a different one refused later',
    same: 'the certificate pinned before',
    changed: 'NOT the certificate pinned before: a sync refuses this server until the pin is removed',
  };
  return (
    <div className="field">
      <button type="button" className="secondary" disabled={busy || !server} onClick={() => void test()} data-testid={`${idPrefix}/server-test`}>
        {busy ? 'Testing…' : 'Test connection'}
      </button>
      {cert ? (
        <p className={cert.certificate === 'changed' ? 'error' : 'note'} role="status" data-testid={`${idPrefix}/server-test-result`} data-certificate={cert.certificate}>
          Connected to {cert.server}: its chain is at block {cert.tipHeight.toLocaleString('en-US')}; {said[cert.certificate]}.
          {cert.fingerprint ? (
            <>
              {' '}
              SHA-256 <code className="mono small" data-testid={`${idPrefix}/server-fingerprint`}>{cert.fingerprint}</code>
            </>
          ) : null}
        </p>
      ) : null}
      {result?.error ? (
        <p className="error" role="alert" data-testid={`${idPrefix}/server-test-error`}>
          {result.error}
        </p>
      ) : null}
      {Object.keys(pinned).length > 0 ? (
        <ul className="muted small" data-testid={`${idPrefix}/server-pins`}>
          {Object.entries(pinned).map(([where, fp]) => (
            <li key={where}>
              Pinned for {where}: <code className="mono">{fp}</code>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function BackendForm({
  network,
  value,
  onChange,
  idPrefix,
  passwordStatus = 'none',
  pinned = {},
}: {
  network: string;
  value: BackendConfig;
  onChange: (b: BackendConfig) => void;
  idPrefix: string;
  /** What the core keeps for the saved RPC backend (settings.get). */
  passwordStatus?: 'saved' | 'none' | 'removed';
  /** The Electrum certificates pinned so far, by HOST:PORT (settings.get). */
  pinned?: Record<string, string>;
}) {
  const [peers, setPeers] = useState(peersText(value));
  const [proxy, setProxy] = useState(value.kind === 'spv' || value.kind === 'filters' || value.kind === 'electrum' ? (value.proxy ?? '') : '');
  const nodeAllowed = network === 'main' || network === 'regtest';
  const pick = (kind: BackendConfig['kind']) => {
    if (kind === 'spv' || kind === 'filters') onChange({ kind, connect: parsePeers(peers), ...(proxy.trim() ? { proxy: proxy.trim() } : {}) });
    else if (kind === 'node') onChange({ kind, connect: parsePeers(peers), prune: false });
    else if (kind === 'electrum') onChange({ kind, servers: parsePeers(peers), ...(proxy.trim() ? { proxy: proxy.trim() } : {}) });
    else onChange({ kind, url: `http://127.0.0.1:${RPC_PORTS[network] ?? 8332}/` });
  };
  const bad = badPeer(value);
  return (
    <fieldset className="backend">
      <legend>How Coffer sees the Bitcoin network</legend>
      <label className="choice">
        <input type="radio" name={`${idPrefix}-backend`} checked={value.kind === 'filters'} onChange={() => pick('filters')} data-testid={`${idPrefix}/backend-filters`} />
        <span>
          <strong>Private light client (compact filters)</strong> — Coffer checks block headers itself, matches each block's filter on this computer and
          fetches only the blocks that pay you: peers never learn your addresses. Recommended.
        </span>
      </label>
      {value.kind === 'filters' ? (
        <label className="choice">
          <input
            type="checkbox"
            checked={value.relay !== false}
            onChange={(e) => {
              const { relay: _, ...rest } = value;
              onChange(e.target.checked ? rest : { ...rest, relay: false });
            }}
            data-testid={`${idPrefix}/relay`}
          />
          <span>Show incoming payments before they confirm (fetches relayed transactions)</span>
        </label>
      ) : null}
      <label className="choice">
        <input type="radio" name={`${idPrefix}-backend`} checked={value.kind === 'rpc'} onChange={() => pick('rpc')} data-testid={`${idPrefix}/backend-rpc`} />
        <span>
          <strong>Your node (Bitcoin Core RPC)</strong> — connect to a node you run, over its RPC interface.
        </span>
      </label>
      <label className="choice">
        <input type="radio" name={`${idPrefix}-backend`} checked={value.kind === 'electrum'} onChange={() => pick('electrum')} data-testid={`${idPrefix}/backend-electrum`} />
        <span>
          <strong>Your Electrum server</strong> — electrs, Fulcrum or ElectrumX beside your node; Coffer checks every header and proves every transaction
          against them itself.
        </span>
      </label>
      {value.kind === 'electrum' ? (
        <p className="note warning" data-testid={`${idPrefix}/electrum-privacy`}>
          {ELECTRUM_PRIVACY}
        </p>
      ) : null}
      <label className="choice">
        <input type="radio" name={`${idPrefix}-backend`} checked={value.kind === 'node'} disabled={!nodeAllowed} onChange={() => pick('node')} data-testid={`${idPrefix}/backend-node`} />
        <span>
          <strong>Embedded node</strong> — validates every block on this computer (needs much disk space and time).{nodeAllowed ? '' : ' Available on main and regtest only.'}
        </span>
      </label>
      {value.kind === 'node' ? <EmbeddedNodeNote testId={`${idPrefix}/node-warning`} /> : null}
      <label className="choice">
        <input type="radio" name={`${idPrefix}-backend`} checked={value.kind === 'spv'} onChange={() => pick('spv')} data-testid={`${idPrefix}/backend-spv`} />
        <span>
          <strong>Bloom filters (BIP37)</strong> — the older light client: peers send Merkle proofs of the transactions that match a filter Coffer gives them.
        </span>
      </label>
      {value.kind === 'spv' ? (
        <p className="note warning" data-testid={`${idPrefix}/bloom-warning`}>
          {BLOOM_WARNING}
        </p>
      ) : null}
      {value.kind !== 'rpc' ? (
        <Field
          label={value.kind === 'electrum' ? 'Electrum servers' : 'Peers (optional)'}
          hint={
            value.kind === 'electrum'
              ? 'tcp://HOST:PORT or ssl://HOST:PORT, one per line (50001 and 50002 are the usual ports).'
              : network === 'regtest'
                ? 'Regtest has no public peers: enter your node as host:port.'
                : 'One host:port per line. Leave empty to find peers automatically.'
          }
          error={bad === undefined ? undefined : bad === '' ? 'Name at least one server.' : `“${bad}” is not ${value.kind === 'electrum' ? 'tcp://HOST:PORT or ssl://HOST:PORT' : 'a host:port'}.`}
          testId={`${idPrefix}/peers`}
        >
          {(p) => (
            <textarea
              {...p}
              rows={2}
              value={peers}
              spellCheck={false}
              data-testid={`${idPrefix}/${value.kind === 'electrum' ? 'servers' : 'peers'}`}
              onChange={(e) => {
                setPeers(e.target.value);
                const list = parsePeers(e.target.value);
                onChange(value.kind === 'electrum' ? { ...value, servers: list } : ({ ...value, connect: list } as BackendConfig));
              }}
            />
          )}
        </Field>
      ) : null}
      {value.kind === 'electrum' ? <ServerTest value={value} idPrefix={idPrefix} pinned={pinned} /> : null}
      {value.kind === 'spv' || value.kind === 'filters' || value.kind === 'electrum' ? (
        <Field
          label="Tor / SOCKS5 proxy (optional)"
          hint="For example socks5://127.0.0.1:9050 (Tor): every peer connection goes through it, each on a circuit of its own, and no DNS query leaves this computer. Needed for .onion peers."
        >
          {(p) => (
            <input
              {...p}
              value={proxy}
              spellCheck={false}
              placeholder="socks5://127.0.0.1:9050"
              data-testid={`${idPrefix}/proxy`}
              onChange={(e) => {
                setProxy(e.target.value);
                const { proxy: _, ...rest } = value;
                onChange(e.target.value.trim() ? { ...rest, proxy: e.target.value.trim() } : rest);
              }}
            />
          )}
        </Field>
      ) : null}
      {value.kind !== 'rpc' ? null : (
        <>
          <Field label="RPC address">
            {(p) => <input {...p} value={value.url} spellCheck={false} data-testid={`${idPrefix}/rpc-url`} onChange={(e) => onChange({ ...value, url: e.target.value })} />}
          </Field>
          {value.cookieFile !== undefined ? (
            <div className="field" data-testid={`${idPrefix}/rpc-cookie`}>
              <p>
                Signs in with the cookie file <code className="mono small">{value.cookieFile}</code>, chosen with the <code>coffer</code> command for
                this address; it works while the wallet is locked.
              </p>
              <button
                type="button"
                className="link"
                onClick={() => {
                  const { cookieFile: _, ...rest } = value;
                  onChange(rest);
                }}
                data-testid={`${idPrefix}/rpc-use-password`}
              >
                Use a user name and password instead
              </button>
            </div>
          ) : (
            <div className="row">
              <Field label="RPC user">
                {(p) => <input {...p} value={value.user ?? ''} autoComplete="off" data-testid={`${idPrefix}/rpc-user`} onChange={(e) => onChange({ ...value, user: e.target.value })} />}
              </Field>
              <Field
                label="RPC password"
                hint={
                  <span data-testid={`${idPrefix}/rpc-password-hint`}>
                    {passwordStatus === 'saved'
                      ? 'A password is saved; leave this empty to keep it. '
                      : passwordStatus === 'removed'
                        ? 'Coffer no longer keeps this password unencrypted and removed the saved one when it updated: enter it again. '
                        : ''}
                    Kept encrypted with your wallet's key, so Coffer reaches the node only while the wallet is unlocked.
                  </span>
                }
              >
                {(p) => <input {...p} type="password" value={value.password ?? ''} autoComplete="off" data-testid={`${idPrefix}/rpc-password`} onChange={(e) => onChange({ ...value, password: e.target.value })} />}
              </Field>
            </div>
          )}
          <p className="hint">
            A cookie file (Bitcoin Core's <code>.cookie</code>) signs in while the wallet is locked too. For safety the app does not take a file path:
            set it with <code>coffer --network {network} --backend rpc --rpc-url URL --rpc-cookie FILE config backend</code>, then restart Coffer.
          </p>
        </>
      )}
    </fieldset>
  );
}
