// What a decoded SASL (or protocol-native) authentication reveals. Fields are absent when the
// mechanism does not carry them (CRAM-MD5 has a digest, not a password).

export interface SaslCredentials {
  authzid?: string;
  username?: string;
  password?: string;
  /** OAuth bearer token (XOAUTH2, OAUTHBEARER). */
  token?: string;
  /** CRAM-MD5 / APOP digest, SCRAM client proof: a proof of the password, not the password. */
  proof?: string;
  /** Anything a mechanism carries that mailtap could not decode (raw base64), for the record. */
  undecoded?: string[];
}
