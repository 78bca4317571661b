// The version written into recordings and printed by --version.
export const MAILTAP_VERSION = '0.1.0';
