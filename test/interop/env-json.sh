# Sourced by setup.sh: prints $DIR/env.json, the one file tests read to find the servers.
# Invariants: pure bash (no jq/python on a fresh machine); keys of "ports" and "urls" are
# mailtap's URL schemes; every path is absolute. Shape is documented in README.md.
# Needs: DIR DOMAIN HOST CA PORTS COMPRESS_PORTS USERS DOVECOT_VERSION POSTFIX_VERSION.

json_str() {
  local s="$1"
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

write_env_json() {
  local pp name port u user pass sep
  printf '{\n'
  printf '  "version": 1,\n'
  printf '  "dir": %s,\n' "$(json_str "$DIR")"
  printf '  "host": %s,\n' "$(json_str "$HOST")"
  printf '  "domain": %s,\n' "$(json_str "$DOMAIN")"
  printf '  "ca": %s,\n' "$(json_str "$CA")"
  printf '  "serverCert": %s,\n' "$(json_str "$DIR/tls/server.crt")"
  printf '  "serverNames": ["localhost", "mx.%s", "mail.%s", "127.0.0.1", "::1"],\n' "$DOMAIN" "$DOMAIN"
  printf '  "versions": {"dovecot": %s, "postfix": %s},\n' \
    "$(json_str "$DOVECOT_VERSION")" "$(json_str "$POSTFIX_VERSION")"

  printf '  "ports": {'
  sep=""
  for pp in "${PORTS[@]}"; do
    printf '%s"%s": %s' "$sep" "${pp%%:*}" "${pp#*:}"
    sep=", "
  done
  printf '},\n'

  printf '  "urls": {'
  sep=""
  for pp in "${PORTS[@]}"; do
    name=${pp%%:*}
    port=${pp#*:}
    printf '%s"%s": "%s://%s:%s"' "$sep" "$name" "$name" "$HOST" "$port"
    sep=", "
  done
  printf '},\n'

  # The same Dovecot on ports of its own that offer COMPRESS=DEFLATE (keys are URL schemes too).
  printf '  "compress": {"ports": {'
  sep=""
  for pp in "${COMPRESS_PORTS[@]}"; do
    printf '%s"%s": %s' "$sep" "${pp%%:*}" "${pp#*:}"
    sep=", "
  done
  printf '}, "urls": {'
  sep=""
  for pp in "${COMPRESS_PORTS[@]}"; do
    printf '%s"%s": "%s://%s:%s"' "$sep" "${pp%%:*}" "${pp%%:*}" "$HOST" "${pp#*:}"
    sep=", "
  done
  printf '}},\n'

  printf '  "auth": {"smtp": false, "submission": true, "smtps": true, "mechanisms": ["PLAIN", "LOGIN", "CRAM-MD5"], "plaintextAllowed": true},\n'

  printf '  "users": {\n'
  sep=""
  for u in "${USERS[@]}"; do
    user=${u%%:*}
    pass=${u#*:}
    printf '%s    "%s": {"login": "%s", "email": "%s@%s", "password": %s, "maildir": %s}' \
      "$sep" "$user" "$user" "$user" "$DOMAIN" "$(json_str "$pass")" \
      "$(json_str "$DIR/mail/$user/Maildir")"
    sep=$',\n'
  done
  printf '\n  },\n'

  printf '  "logs": {"dovecot": %s, "postfix": %s},\n' \
    "$(json_str "$DIR/log/dovecot.log")" "$(json_str "$DIR/log/postfix.log")"
  printf '  "config": {"dovecot": %s, "postfix": %s},\n' \
    "$(json_str "$DIR/etc/dovecot.conf")" "$(json_str "$DIR/postfix/conf")"
  printf '  "pidFiles": {"dovecot": %s, "postfix": %s}\n' \
    "$(json_str "$DIR/run/dovecot/master.pid")" "$(json_str "$DIR/postfix/spool/pid/master.pid")"
  printf '}\n'
}
