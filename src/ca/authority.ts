// CertificateAuthority: creates or loads the CA of a directory and issues cached leaf
// certificates for name sets. Invariants: a loaded CA's key matches its certificate; every leaf
// uses the directory's one leaf key; one issuance per distinct name set while it is cached.

import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { hostname } from 'node:os';
import { createSecureContext, type SecureContext } from 'node:tls';
import { MailtapError } from '../core/errors.js';
import {
  buildCaCertificate,
  buildLeafCertificate,
  CA_DEFAULT_VALIDITY_DAYS,
  fingerprint256,
  keyIdentifier,
  MAX_COMMON_NAME,
  type Signer,
} from './certificate-builder.js';
import { caPaths, ensureDir, exists, KEY_MODE, PUBLIC_MODE, readCaFile, readKeyFile, writeNewFile, type CaPaths } from './key-files.js';
import { LOCAL_SUBTREES, normalizeSubtree, permits } from './name-constraints.js';
import { cacheKey, normalizeNames } from './names.js';
import { describeCertificate } from './describe.js';
import type { CaInfo } from './ca-info.js';

export interface CaInitOptions {
  force?: boolean;
  cn?: string;
  days?: number;
  permit?: string[];
}

export interface LeafCertificate {
  names: string[];
  /** Names asked for but outside the CA's permitted subtrees (--permit): left out of the leaf. */
  omitted: string[];
  certPem: string;
  keyPem: string;
  secureContext: SecureContext;
  fingerprint256: string;
  notAfter: Date;
}

/** Distinct name sets kept; beyond it the least recently used leaf is dropped (SNI is peer input). */
export const LEAF_CACHE_MAX = 1000;
/** A cached leaf this close to expiry is re-issued rather than served. */
const RENEW_BEFORE_MS = 24 * 60 * 60 * 1000;
const INIT_HINT = 'run `mailtap ca init` to create a CA';

interface CacheEntry {
  promise: Promise<LeafCertificate>;
  leaf?: LeafCertificate;
}

interface LeafKey {
  pem: string;
  publicKey: KeyObject;
  keyIdentifier: Buffer;
}

/**
 * Leaves get ECDSA P-256 keys: each TLS session the proxy terminates signs its handshake with the
 * leaf key, and a P-256 signature costs a small fraction of an RSA-2048 one. The CA stays RSA.
 */
function newLeafKey(): string {
  return pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
}

export class CertificateAuthority {
  readonly info: CaInfo;
  readonly certPem: string;
  private readonly signer: Signer;
  private readonly leafKey: LeafKey;
  private readonly cache = new Map<string, CacheEntry>();
  private issuedCount = 0;
  private omittedListener: ((omitted: string[], permitted: readonly string[]) => void) | undefined;

  private constructor(info: CaInfo, certPem: string, signer: Signer, leafKey: LeafKey) {
    this.info = info;
    this.certPem = certPem;
    this.signer = signer;
    this.leafKey = leafKey;
  }

  static async init(dir: string, options: CaInitOptions = {}): Promise<CertificateAuthority> {
    const paths = caPaths(dir);
    const days = options.days ?? CA_DEFAULT_VALIDITY_DAYS;
    if (!Number.isInteger(days) || days <= 0) throw usage(`--days: expected a positive whole number, got ${days}`);
    const commonName = options.cn ?? defaultCommonName();
    if (commonName.trim() === '' || commonName.length > MAX_COMMON_NAME) {
      throw usage(`--cn: a common name has 1 to ${MAX_COMMON_NAME} characters`);
    }
    const requested = (options.permit ?? []).map(normalizeSubtree);
    const permitted = requested.length > 0 ? [...new Set([...requested, ...LOCAL_SUBTREES])] : [];

    await ensureDir(paths.dir);
    if (!options.force) {
      for (const path of [paths.certPath, paths.keyPath]) {
        if (await exists(path)) throw refuseOverwrite(path);
      }
    }
    const ca = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const leafPem = newLeafKey();
    const built = buildCaCertificate({
      key: ca.privateKey,
      publicKey: ca.publicKey,
      commonName,
      instance: randomBytes(4).toString('hex'),
      days,
      permitted,
    });
    const replace = options.force === true;
    try {
      // Keys first and the certificate last: a directory with a certificate is a complete CA.
      await writeNewFile(paths.leafKeyPath, leafPem, KEY_MODE, true);
      await writeNewFile(paths.keyPath, pkcs8(ca.privateKey), KEY_MODE, replace);
      await writeNewFile(paths.derPath, built.der, PUBLIC_MODE, true);
      await writeNewFile(paths.certPath, built.pem, PUBLIC_MODE, replace);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw refuseOverwrite((err as NodeJS.ErrnoException).path ?? paths.dir);
      throw err;
    }
    return CertificateAuthority.fromMaterial(paths, built.pem, ca.privateKey, leafKeyFrom(leafPem, paths.leafKeyPath));
  }

  /**
   * A CA that lives only in memory and is never written anywhere: the "unknown CA" a client
   * must refuse (`mailtap audit`'s untrusted-cert case). Nobody can have been told to trust it.
   */
  static ephemeral(commonName = 'mailtap throwaway CA (trust nothing it signs)'): CertificateAuthority {
    const ca = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const built = buildCaCertificate({ key: ca.privateKey, publicKey: ca.publicKey, commonName, instance: randomBytes(4).toString('hex'), days: 2, permitted: [] });
    const paths = caPaths('(in memory)');
    return CertificateAuthority.fromMaterial(paths, built.pem, ca.privateKey, leafKeyFrom(newLeafKey(), paths.leafKeyPath));
  }

  static async load(dir: string): Promise<CertificateAuthority> {
    const paths = caPaths(dir);
    const certPem = await readCaFile(paths.certPath, INIT_HINT);
    // A CA directory made by hand (0755) holds the CA key: tighten it on first use. A read-only
    // one still serves (privateDir warns when it cannot).
    await ensureDir(paths.dir).catch(() => undefined);
    const keyPem = await readKeyFile(paths.keyPath, `the CA certificate is there but its key is not; restore it or run \`mailtap ca init --force\``);
    const key = parsePrivateKey(keyPem, paths.keyPath);
    const leafKey = await loadOrCreateLeafKey(paths);
    return CertificateAuthority.fromMaterial(paths, certPem, key, leafKey);
  }

  /** The CA of `dir`, created on first use. A concurrent creator wins; we then load its CA. */
  static async loadOrInit(dir: string): Promise<{ ca: CertificateAuthority; created: boolean }> {
    try {
      return { ca: await CertificateAuthority.load(dir), created: false };
    } catch (err) {
      if (!(err instanceof MailtapError && err.code === 'E_CA_MISSING' && !(await exists(caPaths(dir).certPath)))) throw err;
    }
    try {
      return { ca: await CertificateAuthority.init(dir), created: true };
    } catch (err) {
      if (err instanceof MailtapError && err.code === 'E_CA_EXISTS') return { ca: await CertificateAuthority.load(dir), created: false };
      throw err;
    }
  }

  private static fromMaterial(paths: CaPaths, certPem: string, key: KeyObject, leafKey: LeafKey): CertificateAuthority {
    const described = describeCertificate(certPem, paths);
    if (!described.x509.ca) throw corrupt(paths.certPath, 'it is not a CA certificate (basicConstraints CA:FALSE)');
    if (!described.x509.checkPrivateKey(key)) {
      throw new MailtapError('E_CA_MISMATCH', `${paths.keyPath} is not the private key of ${paths.certPath}`, { side: 'user' });
    }
    if (key.asymmetricKeyType !== 'rsa') throw corrupt(paths.keyPath, `unsupported key type ${key.asymmetricKeyType}; mailtap signs with RSA`);
    const signer: Signer = {
      key,
      subject: described.forgeCert.subject.attributes,
      keyIdentifier: described.subjectKeyIdentifier ?? keyIdentifier(createPublicKey(key)),
      notAfter: described.info.notAfter,
    };
    return new CertificateAuthority(described.info, certPem, signer, leafKey);
  }

  /**
   * Called once per issued leaf that had to leave names out (a CA made with --permit may only
   * vouch for its permitted subtrees; a client rejects a leaf with any name outside them).
   */
  onNamesOmitted(listener: (omitted: string[], permitted: readonly string[]) => void): void {
    this.omittedListener = listener;
  }

  /**
   * Leaf for these names (DNS names and IP literals, deduplicated, order-insensitive cache key).
   * With name constraints, only the names inside the permitted subtrees go in.
   */
  issue(names: string[]): Promise<LeafCertificate> {
    const permitted = this.info.permitted;
    const all = normalizeNames(names);
    const normalized = permitted.length === 0 ? all : all.filter((name) => permits(permitted, name));
    const omitted = all.filter((name) => !normalized.includes(name)).map((name) => name.value);
    if (normalized.length === 0) {
      const why = all.length === 0 ? 'no usable DNS name or IP address' : `no name this CA may vouch for (it was made with --permit ${permitted.join(', ')})`;
      return Promise.reject(new MailtapError('E_USAGE', `${why} among: ${names.join(', ') || '(none)'}`));
    }
    const key = cacheKey(normalized);
    const hit = this.lookup(key);
    // A cached leaf was made for another request: report what this one left out.
    if (hit) return hit.promise.then((leaf) => (leaf.omitted.length === 0 && omitted.length === 0 ? leaf : { ...leaf, omitted }));
    const entry: CacheEntry = {
      // Deferred by one microtask so a caller's synchronous code finishes before we block on RSA.
      promise: Promise.resolve().then(() => {
        const built = buildLeafCertificate({
          signer: this.signer,
          publicKey: this.leafKey.publicKey,
          keyIdentifier: this.leafKey.keyIdentifier,
          names: normalized,
        });
        this.issuedCount++;
        if (omitted.length > 0) this.omittedListener?.(omitted, permitted);
        const leaf: LeafCertificate = {
          names: normalized.map((name) => name.value),
          omitted,
          certPem: built.pem,
          keyPem: this.leafKey.pem,
          // Leaf only: clients that trust the CA have it, and sending it would not help the others.
          secureContext: createSecureContext({ key: this.leafKey.pem, cert: built.pem }),
          fingerprint256: fingerprint256(built.der),
          notAfter: built.notAfter,
        };
        entry.leaf = leaf;
        return leaf;
      }),
    };
    entry.promise.catch(() => {
      if (this.cache.get(key) === entry) this.cache.delete(key);
    });
    this.cache.set(key, entry);
    if (this.cache.size > LEAF_CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    return entry.promise;
  }

  /**
   * A leaf for these names whose validity window is fixed (uncached): `mailtap audit` uses it to
   * serve a certificate that expired `daysAgo` days ago (RFC 5280 §4.1.2.5), which a client must
   * refuse however much it trusts this CA.
   */
  issueExpired(names: string[], daysAgo = 30): Promise<LeafCertificate> {
    const normalized = normalizeNames(names);
    if (normalized.length === 0) return Promise.reject(new MailtapError('E_USAGE', `no usable DNS name or IP address among: ${names.join(', ') || '(none)'}`));
    const day = 24 * 60 * 60 * 1000;
    const now = Date.now();
    return Promise.resolve().then((): LeafCertificate => {
      const built = buildLeafCertificate({
        signer: this.signer,
        publicKey: this.leafKey.publicKey,
        keyIdentifier: this.leafKey.keyIdentifier,
        names: normalized,
        validity: { notBefore: new Date(now - (daysAgo + 90) * day), notAfter: new Date(now - daysAgo * day) },
      });
      this.issuedCount++;
      return {
        names: normalized.map((name) => name.value),
        certPem: built.pem,
        keyPem: this.leafKey.pem,
        secureContext: createSecureContext({ key: this.leafKey.pem, cert: built.pem }),
        fingerprint256: fingerprint256(built.der),
        notAfter: built.notAfter,
        omitted: [],
      };
    });
  }

  /** Synchronous cache probe (for SNICallback fast path). */
  cached(names: string[]): LeafCertificate | undefined {
    const all = normalizeNames(names);
    const normalized = this.info.permitted.length === 0 ? all : all.filter((name) => permits(this.info.permitted, name));
    return normalized.length === 0 ? undefined : this.lookup(cacheKey(normalized))?.leaf;
  }

  /** Number of leaves actually signed by this instance (cache misses). */
  get issued(): number {
    return this.issuedCount;
  }

  private lookup(key: string): CacheEntry | undefined {
    const entry = this.cache.get(key);
    if (!entry) return undefined;
    if (entry.leaf && entry.leaf.notAfter.getTime() - Date.now() < RENEW_BEFORE_MS) {
      this.cache.delete(key);
      return undefined;
    }
    // Map iteration order is insertion order: re-inserting makes this the most recently used.
    this.cache.delete(key);
    this.cache.set(key, entry);
    return entry;
  }
}

export function defaultCommonName(now = new Date()): string {
  const date = now.toISOString().slice(0, 10);
  const room = MAX_COMMON_NAME - `mailtap CA (, ${date})`.length;
  return `mailtap CA (${hostname().slice(0, room)}, ${date})`;
}

async function loadOrCreateLeafKey(paths: CaPaths): Promise<LeafKey> {
  let replace = false;
  try {
    const found = leafKeyFrom(await readKeyFile(paths.leafKeyPath, ''), paths.leafKeyPath);
    if (found.publicKey.asymmetricKeyType === 'ec') return found;
    // A directory from before leaves were P-256: its RSA leaf key is replaced (clients trust the
    // CA, not the leaf key, so nothing else changes). A process that still has the old key keeps
    // serving leaves that match it.
    replace = true;
  } catch (err) {
    if (!(err instanceof MailtapError && err.code === 'E_CA_MISSING')) throw err;
  }
  // A CA made elsewhere (or by hand) has no leaf key yet: make the one this directory will use.
  const pem = newLeafKey();
  try {
    await writeNewFile(paths.leafKeyPath, pem, KEY_MODE, replace);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Another process created it first: use theirs, so every leaf of the directory shares it.
    if (code === 'EEXIST') return leafKeyFrom(await readKeyFile(paths.leafKeyPath, ''), paths.leafKeyPath);
    // A read-only CA directory still works, with a key that lives as long as this process.
    if (code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM') throw err;
  }
  return leafKeyFrom(pem, paths.leafKeyPath);
}

function leafKeyFrom(pem: string, path: string): LeafKey {
  const key = parsePrivateKey(pem, path);
  const publicKey = createPublicKey(key);
  return { pem, publicKey, keyIdentifier: keyIdentifier(publicKey) };
}

function parsePrivateKey(pem: string, path: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw corrupt(path, `not a readable private key (${(err as Error).message})`, err);
  }
}

function pkcs8(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function refuseOverwrite(path: string): MailtapError {
  return new MailtapError('E_CA_EXISTS', `${path} already exists; use --force to replace the CA (clients must then trust the new one)`, {
    side: 'user',
  });
}

function corrupt(path: string, why: string, cause?: unknown): MailtapError {
  return new MailtapError('E_CA_CORRUPT', `${path}: ${why}`, { side: 'user', cause });
}

function usage(message: string): MailtapError {
  return new MailtapError('E_USAGE', message, { side: 'user' });
}
