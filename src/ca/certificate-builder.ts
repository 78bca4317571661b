// Builds CA and leaf certificates: node-forge lays out the TBSCertificate, node:crypto signs it
// (native RSA, so a leaf costs a millisecond or two, not forge's pure-JS bignum maths), and der.ts
// wraps the two. forge encodes RSA keys only, so a leaf's subjectPublicKeyInfo (ECDSA P-256: the
// handshake signature each TLS session makes with it is ~20× cheaper than RSA-2048's) is the DER
// node:crypto exports, put in forge's TBS in place of a placeholder. Every policy number here is
// named and tied to the rule it follows.

import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { assembleCertificate, readChildren, readTlv, sequence, tlv, TAG } from './der.js';
import { encodeNameConstraints, NAME_CONSTRAINTS_OID } from './name-constraints.js';
import { ipToBytes, type LeafName } from './names.js';

import { BACKDATE_MS, DAY_MS, LEAF_VALIDITY_DAYS, MAX_COMMON_NAME } from './validity.js';

export { CA_DEFAULT_VALIDITY_DAYS, LEAF_VALIDITY_DAYS, MAX_COMMON_NAME } from './validity.js';

export interface Signer {
  /** The CA's private key. */
  key: KeyObject;
  /** The CA certificate's subject, reused verbatim as each leaf's issuer (RFC 5280 §4.1.2.4). */
  subject: forge.pki.CertificateField[];
  /** The CA's subjectKeyIdentifier, copied into each leaf's authorityKeyIdentifier (§4.2.1.1). */
  keyIdentifier: Buffer;
  /** A leaf never outlives its CA. */
  notAfter: Date;
}

export interface BuiltCertificate {
  der: Buffer;
  pem: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's bits (for RSA the
 * PKCS#1 RSAPublicKey, for EC the point), read from the SubjectPublicKeyInfo DER.
 */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = readChildren(readTlv(publicKey.export({ type: 'spki', format: 'der' })).content);
  const bits = spki[1];
  if (!bits || bits.tag !== TAG.BIT_STRING) throw new Error('SubjectPublicKeyInfo without a subjectPublicKey');
  // The first content octet counts the unused bits (0 for keys); the key bits follow it.
  return createHash('sha1').update(bits.content.subarray(1)).digest();
}

export function toForgePublicKey(publicKey: KeyObject): forge.pki.PublicKey {
  return forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
}

/**
 * A positive serial of 16 random octets: RFC 5280 §4.1.2.2 allows at most 20, CA/B Forum BR
 * §7.1 asks for at least 64 random bits. The first octet lies in 0x01..0x7f so the INTEGER is
 * positive and its DER encoding minimal (no leading zero octet needed or allowed).
 */
export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes.toString('hex');
}

export interface CaTemplate {
  key: KeyObject;
  publicKey: KeyObject;
  commonName: string;
  /** Random per CA, so two mailtap CAs never share a subject (trust stores look CAs up by subject). */
  instance: string;
  days: number;
  /** Canonical subtrees (see name-constraints.ts); empty for an unconstrained CA. */
  permitted: readonly string[];
  now?: Date;
}

export function buildCaCertificate(template: CaTemplate): BuiltCertificate {
  const cert = forge.pki.createCertificate();
  const now = wholeSeconds(template.now ?? new Date());
  cert.publicKey = toForgePublicKey(template.publicKey);
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = new Date(now - BACKDATE_MS);
  cert.validity.notAfter = new Date(now + template.days * DAY_MS);
  const subject = [
    utf8('commonName', template.commonName),
    utf8('organizationName', 'mailtap'),
    utf8('organizationalUnitName', `mailtap CA ${template.instance}`),
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  const ski = keyIdentifier(template.publicKey);
  const extensions: object[] = [
    // RFC 5280 §4.2.1.9: CAs MUST mark basicConstraints critical; pathLen 0 = leaves only.
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    // §4.2.1.3: keyCertSign for a CA, cRLSign by convention; SHOULD be critical.
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    // §4.2.1.2: MUST appear in CA certificates.
    { name: 'subjectKeyIdentifier', value: binary(tlv(TAG.OCTET_STRING, ski)) },
  ];
  if (template.permitted.length > 0) {
    // §4.2.1.10: "Conforming CAs MUST mark this extension as critical".
    extensions.push({ id: NAME_CONSTRAINTS_OID, critical: true, value: binary(encodeNameConstraints(template.permitted)) });
  }
  cert.setExtensions(extensions);
  return signCertificate(cert, template.key);
}

export interface LeafTemplate {
  signer: Signer;
  /** The leaf key's public half (RSA or EC). */
  publicKey: KeyObject;
  /** keyIdentifier() of the leaf key, computed once per CA. */
  keyIdentifier: Buffer;
  names: readonly LeafName[];
  now?: Date;
  /** A fixed validity window instead of the usual one (the audit's deliberately expired leaf). */
  validity?: { notBefore: Date; notAfter: Date };
}

export function buildLeafCertificate(template: LeafTemplate): BuiltCertificate {
  const cert = forge.pki.createCertificate();
  const now = wholeSeconds(template.now ?? new Date());
  cert.publicKey = PLACEHOLDER_KEY;
  cert.serialNumber = randomSerialHex();
  const notBefore = template.validity ? wholeSeconds(template.validity.notBefore) : now - BACKDATE_MS;
  cert.validity.notBefore = new Date(notBefore);
  cert.validity.notAfter = template.validity
    ? new Date(wholeSeconds(template.validity.notAfter))
    : new Date(Math.min(notBefore + LEAF_VALIDITY_DAYS * DAY_MS, template.signer.notAfter.getTime()));
  cert.setSubject([utf8('commonName', leafCommonName(template.names))]);
  cert.setIssuer(template.signer.subject);
  cert.setExtensions([
    // §4.2.1.9: an end entity says CA:FALSE.
    { name: 'basicConstraints', cA: false, critical: true },
    // §4.2.1.3 with RFC 5246 §7.4.2: RSA key exchange needs keyEncipherment, (EC)DHE digitalSignature;
    // RFC 5480 §3: an EC key MUST NOT assert keyEncipherment.
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: template.publicKey.asymmetricKeyType === 'rsa', critical: true },
    // §4.2.1.12: serverAuth; clients that check EKU (browsers, Thunderbird) demand it.
    { name: 'extKeyUsage', serverAuth: true },
    // §4.2.1.6: the names clients actually match (RFC 6125 §6.4.4: CN is ignored when SANs exist).
    { name: 'subjectAltName', altNames: template.names.map(altName) },
    { name: 'subjectKeyIdentifier', value: binary(tlv(TAG.OCTET_STRING, template.keyIdentifier)) },
    // §4.2.1.1: AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }.
    { name: 'authorityKeyIdentifier', value: binary(sequence(tlv(0x80, template.signer.keyIdentifier))) },
  ]);
  return signCertificate(cert, template.signer.key, template.publicKey.export({ type: 'spki', format: 'der' }));
}

/** Stands in for the leaf key while forge lays out the TBS; replaced by the real SPKI before signing. */
const PLACEHOLDER_KEY = forge.pki.setRsaPublicKey(new forge.jsbn.BigInteger('3', 10), new forge.jsbn.BigInteger('65537', 10));
/** Position of subjectPublicKeyInfo in a v3 TBSCertificate (RFC 5280 §4.1: after version, serial, signature, issuer, validity, subject). */
const TBS_SPKI_INDEX = 6;

/**
 * The CN is the first DNS name that fits (IP literals in a CN are a legacy form, and a CN that
 * looks like a host name is itself checked against name constraints by OpenSSL when a leaf has
 * no DNS SAN). A leaf of IP addresses only gets a descriptive CN that is not a host name.
 */
function leafCommonName(names: readonly LeafName[]): string {
  const dns = names.find((name) => name.kind === 'dns' && name.value.length <= MAX_COMMON_NAME);
  return dns ? dns.value : 'mailtap leaf';
}

function altName(name: LeafName): { type: number; value: string } {
  // GeneralName: dNSName [2], iPAddress [7] (RFC 5280 §4.2.1.6).
  return name.kind === 'dns' ? { type: 2, value: name.value } : { type: 7, value: binary(ipToBytes(name.value)) };
}

// Present in node-forge since 0.7 but missing from @types/node-forge.
const forgeTbs = forge.pki as unknown as { getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1 };

function signCertificate(cert: forge.pki.Certificate, key: KeyObject, spkiDer?: Buffer): BuiltCertificate {
  // The TBS names its own signature algorithm (RFC 5280 §4.1.2.3); it must equal the outer one.
  cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption!;
  const asn1 = forgeTbs.getTBSCertificate(cert);
  if (spkiDer) {
    const fields = asn1.value as forge.asn1.Asn1[];
    fields[TBS_SPKI_INDEX] = forge.asn1.fromDer(forge.util.createBuffer(spkiDer.toString('binary')));
  }
  const tbs = Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
  const der = assembleCertificate(tbs, sign('sha256', tbs, key));
  return { der, pem: toPem(der), notBefore: cert.validity.notBefore, notAfter: cert.validity.notAfter };
}

/** SHA-256 of the DER as `AA:BB:…`, the format of `openssl x509 -fingerprint -sha256`. */
export function fingerprint256(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

export function toPem(der: Buffer): string {
  const body = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/** X.509 times have one-second resolution; rounding here keeps our Dates equal to the certificate's. */
function wholeSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000;
}

function utf8(name: string, value: string): forge.pki.CertificateField {
  // RFC 5280 §4.1.2.4: new certificates use UTF8String (forge's default, PrintableString,
  // cannot carry `*`, `_` or non-ASCII).
  return { name, value, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.pki.CertificateField['valueTagClass'] };
}

function binary(bytes: Buffer): string {
  return bytes.toString('latin1');
}
