// Public face of the certificate authority: the only module of mailtap that touches node-forge
// or key files. Everything else asks a CertificateAuthority for leaves and never sees a key file.

export { CertificateAuthority, LEAF_CACHE_MAX, defaultCommonName } from './authority.js';
export type { CaInitOptions, LeafCertificate } from './authority.js';
export { readCaCertificate } from './inspect.js';
export type { CaInfo } from './ca-info.js';
export { defaultLocalNames } from './names.js';
export { LEAF_VALIDITY_DAYS, CA_DEFAULT_VALIDITY_DAYS } from './validity.js';
export { CA_CERT_FILE, CA_KEY_FILE, CA_DER_FILE, LEAF_KEY_FILE } from './key-files.js';
