// How long mailtap's certificates live, and the one size limit on their names: plain numbers,
// shared by the builder and the public API without pulling in the certificate library.

export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * CA/Browser Forum Baseline Requirements §6.3.2 (and Apple's and Chrome's root programs) reject
 * TLS server certificates valid for more than 398 days; one day of margin for clock and rounding.
 */
export const LEAF_VALIDITY_DAYS = 397;
/** notBefore is set this far back so a client whose clock runs slow still accepts a new leaf. */
export const BACKDATE_MS = DAY_MS;
export const CA_DEFAULT_VALIDITY_DAYS = 3650;
/** ub-common-name (RFC 5280 Appendix A.1). */
export const MAX_COMMON_NAME = 64;
