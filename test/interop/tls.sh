# Sourced by setup.sh: makes the interop test CA and the server certificate with openssl.
# Invariants: RSA keys (node-forge, used by mailtap, parses RSA certificates only); the server
# certificate names localhost, mx/mail/imap/pop/smtp.mailtap.test, 127.0.0.1 and ::1, so clients
# verifying against ca.pem succeed whichever of those they dial. Reused while valid.

# make_tls DIR -> 0 when it (re)generated the files, 1 when the existing ones were kept.
make_tls() {
  local d="$1"
  if [[ -s "$d/ca.pem" && -s "$d/ca.key" && -s "$d/server.crt" && -s "$d/server.key" ]] &&
    openssl x509 -in "$d/server.crt" -noout -checkend 86400 >/dev/null 2>&1 &&
    openssl x509 -in "$d/ca.pem" -noout -checkend 86400 >/dev/null 2>&1 &&
    openssl verify -CAfile "$d/ca.pem" "$d/server.crt" >/dev/null 2>&1; then
    return 1
  fi
  local tmp
  tmp=$(mktemp -d "$d/.gen.XXXXXX")
  # Each step is checked by hand: errexit is ignored inside a function called from `||`.
  local old_umask
  old_umask=$(umask)
  umask 077
  {
    cat >"$tmp/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
O = mailtap interop
CN = mailtap interop test CA
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
    cat >"$tmp/server.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
O = mailtap interop
CN = localhost
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = @alt
[alt]
DNS.1 = localhost
DNS.2 = mx.mailtap.test
DNS.3 = mail.mailtap.test
DNS.4 = imap.mailtap.test
DNS.5 = pop.mailtap.test
DNS.6 = smtp.mailtap.test
IP.1 = 127.0.0.1
IP.2 = ::1
EOF
    openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 3650 \
      -config "$tmp/ca.cnf" -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>"$tmp/err" &&
      openssl req -new -newkey rsa:2048 -nodes -sha256 -config "$tmp/server.cnf" \
        -keyout "$tmp/server.key" -out "$tmp/server.csr" 2>"$tmp/err" &&
      openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
        -set_serial "0x$(openssl rand -hex 8)" -days 825 -sha256 \
        -extfile "$tmp/server.cnf" -extensions v3_server -out "$tmp/server.crt" 2>"$tmp/err" &&
      cat "$tmp/server.crt" "$tmp/ca.pem" >"$tmp/server-chain.pem" &&
      openssl verify -CAfile "$tmp/ca.pem" "$tmp/server.crt" >"$tmp/err" 2>&1
  } || {
    umask "$old_umask"
    cat "$tmp/err" >&2
    rm -rf "$tmp"
    return 2
  }
  umask "$old_umask"
  local f
  for f in ca.pem ca.key server.crt server.key server-chain.pem; do
    mv -f "$tmp/$f" "$d/$f"
  done
  rm -rf "$tmp"
  chmod 0644 "$d/ca.pem" "$d/server.crt" "$d/server-chain.pem"
  chmod 0600 "$d/ca.key" "$d/server.key"
  return 0
}
