#!/usr/bin/env bash
# shellcheck disable=SC2154 # P_* and the user variables come from the env.json eval below.
# Proves the interop environment with real clients talking straight to Dovecot and Postfix
# (no mailtap): openssl s_client, swaks, curl, fetchmail and python's smtplib/imaplib/poplib.
# Each step sends or reads a message carrying a fresh token, so a stale mailbox cannot make a
# step pass. Exits non-zero naming the first failed step. Needs setup.sh to have run.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${MAILTAP_INTEROP_DIR:-/tmp/mailtap-interop}"
ENV_JSON="$DIR/env.json"
[[ -s "$ENV_JSON" ]] || {
  echo "check-direct: $ENV_JSON missing: run test/interop/setup.sh first" >&2
  exit 1
}
command -v python3 >/dev/null || {
  echo "check-direct: python3 missing" >&2
  exit 1
}

# env.json -> shell variables (CA, HOST, P_smtp..., ALICE_PASS, BOB_MAILDIR, ...).
eval "$(python3 - "$ENV_JSON" <<'EOF'
import json, shlex, sys
e = json.load(open(sys.argv[1]))
out = {"CA": e["ca"], "HOST": e["host"], "DOMAIN": e["domain"]}
for k, v in e["ports"].items():
    out["P_" + k] = str(v)
for name, u in e["users"].items():
    out[name.upper() + "_PASS"] = u["password"]
    out[name.upper() + "_EMAIL"] = u["email"]
    out[name.upper() + "_MAILDIR"] = u["maildir"]
for k, v in out.items():
    print(f"{k}={shlex.quote(v)}")
EOF
)"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RUN_ID="$(date +%s)-$$"
T=30 # seconds any one client may take
PASSED=0

# check NAME FUNCTION: runs it with output captured; on failure shows the output and stops.
check() {
  local name="$1"
  shift
  local t0=$EPOCHREALTIME
  if "$@" >"$WORK/step.log" 2>&1; then
    PASSED=$((PASSED + 1))
    printf 'ok    %-70s %5.1fs\n' "$name" "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{print b-a}')"
  else
    printf 'FAIL  %s\n' "$name"
    sed 's/^/      | /' "$WORK/step.log" | tail -n 40
    printf '\ncheck-direct: FAILED step "%s" (%d steps passed before it)\n' "$name" "$PASSED" >&2
    exit 1
  fi
}

# expect FILE PATTERN...: every extended regex must match a line of FILE.
expect() {
  local f="$1" p
  shift
  for p in "$@"; do
    grep -Eq -- "$p" "$f" || {
      cat "$f"
      echo "expected /$p/ in the output above"
      return 1
    }
  done
}

# wait_delivered MAILDIR TOKEN: Postfix -> LMTP is asynchronous; poll up to 15 s.
wait_delivered() {
  for _ in $(seq 1 150); do
    grep -rlqs -- "$2" "$1/new" "$1/cur" && return 0
    sleep 0.1
  done
  echo "no message with token $2 in $1 after 15 s"
  tail -n 5 "$DIR/log/postfix.log"
  return 1
}

s_client() { timeout "$T" openssl s_client -CAfile "$CA" -verify_return_error -crlf -ign_eof "$@"; }

# ---------------------------------------------------------------- SMTP
smtp_ehlo_plain() {
  python3 - "$HOST" "$P_smtp" <<'EOF'
import smtplib, sys
s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=30)
code, text = s.ehlo("check-direct")
print(code, text.decode())
s.quit()
EOF
}
step_smtp_ehlo_plain() {
  smtp_ehlo_plain >"$WORK/ehlo.txt" &&
    expect "$WORK/ehlo.txt" '^250 ' PIPELINING 'SIZE [0-9]+' VRFY ETRN STARTTLS \
      ENHANCEDSTATUSCODES 8BITMIME DSN SMTPUTF8 CHUNKING &&
    ! grep -q '^AUTH' "$WORK/ehlo.txt"
}

step_smtp_starttls_s_client() {
  printf 'EHLO check-direct\nQUIT\n' |
    s_client -starttls smtp -connect "$HOST:$P_smtp" >"$WORK/out" 2>&1 &&
    expect "$WORK/out" 'Verify return code: 0 \(ok\)' '^250-PIPELINING' '^250 CHUNKING' '^221 '
}

step_smtps_lab_auth_login() {
  # The lab guide's SMTPS dialogue: AUTH LOGIN with base64 user and password, then a message.
  local u p token="smtps-lab-$RUN_ID"
  u=$(printf '%s' alice | base64)
  p=$(printf '%s' "$ALICE_PASS" | base64)
  printf 'ehlo usuario\nauth login\n%s\n%s\nmail from:<%s>\nrcpt to:<%s>\ndata\nsubject: %s\n\nCuerpo del mensaje\n.\nquit\n' \
    "$u" "$p" "$ALICE_EMAIL" "$BOB_EMAIL" "$token" |
    s_client -quiet -connect "$HOST:$P_smtps" >"$WORK/out" 2>&1 &&
    expect "$WORK/out" '^334 VXNlcm5hbWU6' '^334 UGFzc3dvcmQ6' '^235 2\.7\.0' '^250 2\.0\.0 Ok: queued' &&
    wait_delivered "$BOB_MAILDIR" "$token"
}

step_swaks_submission() {
  local token="swaks-$RUN_ID"
  timeout "$T" swaks --server "$HOST:$P_submission" --tls --tls-verify --tls-ca-path "$CA" \
    --auth LOGIN --auth-user alice --auth-password "$ALICE_PASS" \
    --from "$ALICE_EMAIL" --to "$BOB_EMAIL" --header "Subject: $token" \
    --body "sent by swaks $token" &&
    wait_delivered "$BOB_MAILDIR" "$token"
}

step_swaks_cram_md5_plaintext() {
  # AUTH before TLS is allowed on submission (smtpd_tls_auth_only = no), CRAM-MD5 included.
  local token="swaks-cram-$RUN_ID"
  timeout "$T" swaks --server "$HOST:$P_submission" --auth CRAM-MD5 \
    --auth-user "$BOB_EMAIL" --auth-password "$BOB_PASS" \
    --from "$BOB_EMAIL" --to "$ALICE_EMAIL" --header "Subject: $token" &&
    wait_delivered "$ALICE_MAILDIR" "$token"
}

step_relay_refused() {
  # Nothing leaves the machine: an outside recipient is refused at RCPT time.
  ! timeout "$T" swaks --server "$HOST:$P_submission" --tls --tls-verify --tls-ca-path "$CA" \
    --auth PLAIN --auth-user alice --auth-password "$ALICE_PASS" \
    --from "$ALICE_EMAIL" --to someone@example.com >"$WORK/out" 2>&1 &&
    expect "$WORK/out" '\* +554 5\.7\.1 .*Relay access denied'
}

step_curl_smtps() {
  local token="curl-smtps-$RUN_ID"
  printf 'From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n\r\nsent by curl %s\r\n' \
    "$ALICE_EMAIL" "$BOB_EMAIL" "$token" "$token" >"$WORK/msg.eml"
  timeout "$T" curl -sS --ssl-reqd --cacert "$CA" "smtps://$HOST:$P_smtps" \
    --user "alice:$ALICE_PASS" --mail-from "$ALICE_EMAIL" --mail-rcpt "$BOB_EMAIL" \
    --upload-file "$WORK/msg.eml" &&
    wait_delivered "$BOB_MAILDIR" "$token"
}

step_curl_submission_starttls() {
  local token="curl-587-$RUN_ID"
  printf 'Subject: %s\r\n\r\nbody\r\n' "$token" >"$WORK/msg.eml"
  timeout "$T" curl -sS --ssl-reqd --cacert "$CA" "smtp://$HOST:$P_submission" \
    --user "bob:$BOB_PASS" --mail-from "$BOB_EMAIL" --mail-rcpt "$BOB_EMAIL" \
    --upload-file "$WORK/msg.eml" &&
    wait_delivered "$BOB_MAILDIR" "$token"
}

# ---------------------------------------------------------------- IMAP
step_curl_imaps_read() {
  local token="curl-smtps-$RUN_ID" uid
  timeout "$T" curl -sS --cacert "$CA" "imaps://$HOST:$P_imaps/INBOX" --user "bob:$BOB_PASS" \
    -X "UID SEARCH SUBJECT \"$token\"" >"$WORK/search" || return 1
  uid=$(awk '/^\* SEARCH/ {print $NF}' "$WORK/search" | tr -d '\r')
  [[ -n "$uid" ]] || { cat "$WORK/search"; echo "UID SEARCH found no message"; return 1; }
  timeout "$T" curl -sS --cacert "$CA" "imaps://$HOST:$P_imaps/INBOX;UID=$uid" \
    --user "bob:$BOB_PASS" >"$WORK/msg" &&
    expect "$WORK/msg" "^Subject: $token" "sent by curl $token"
}

step_curl_imap_starttls() {
  timeout "$T" curl -sS --ssl-reqd --cacert "$CA" "imap://$HOST:$P_imap/" \
    --user "$BOB_EMAIL:$BOB_PASS" >"$WORK/out" &&
    expect "$WORK/out" '^\* LIST .*INBOX' '^\* LIST .*\\Sent'
}

step_imaps_lab_dialogue() {
  printf 'a login alice %s\na list "" "*"\na select INBOX\na fetch 1 body[header.fields (subject)]\na logout\n' \
    "$ALICE_PASS" | s_client -quiet -connect "$HOST:$P_imaps" >"$WORK/out" 2>&1 &&
    expect "$WORK/out" '^a OK .*Logged in' '^\* LIST \(.*\) "/" INBOX' '^\* [0-9]+ EXISTS' \
      '^\* 1 FETCH' '^a OK Logout'
}

# ---------------------------------------------------------------- POP3
step_curl_pop3s_read() {
  local token="swaks-$RUN_ID" n found=0
  timeout "$T" curl -sS --cacert "$CA" "pop3s://$HOST:$P_pop3s/" --user "bob:$BOB_PASS" \
    >"$WORK/list" || return 1
  # Newest first: the token was sent moments ago.
  for n in $(awk '{print $1}' "$WORK/list" | tr -d '\r' | sort -rn); do
    timeout "$T" curl -sS --cacert "$CA" "pop3s://$HOST:$P_pop3s/$n" --user "bob:$BOB_PASS" \
      >"$WORK/msg" || return 1
    if grep -q "^Subject: $token" "$WORK/msg"; then
      found=1
      break
    fi
  done
  ((found)) || { cat "$WORK/list"; echo "no POP3 message has Subject: $token"; return 1; }
}

step_curl_pop3_stls() {
  timeout "$T" curl -sS --ssl-reqd --cacert "$CA" "pop3://$HOST:$P_pop3/" \
    --user "alice:$ALICE_PASS" >"$WORK/out" &&
    expect "$WORK/out" '^1 [0-9]+'
}

step_pop3s_lab_dialogue() {
  printf 'user bob\npass %s\nstat\nlist\ntop 1 0\nquit\n' "$BOB_PASS" |
    s_client -quiet -connect "$HOST:$P_pop3s" >"$WORK/out" 2>&1 &&
    expect "$WORK/out" '^\+OK Logged in' '^\+OK [0-9]+ [0-9]+' '^1 [0-9]+' '^\.' '^\+OK Logging out'
}

step_pop3_plaintext_no_tls() {
  # The lab guide types USER/PASS in clear: plaintext auth without TLS must work.
  python3 - "$HOST" "$P_pop3" "$BOB_PASS" <<'EOF'
import poplib, sys
p = poplib.POP3(sys.argv[1], int(sys.argv[2]), timeout=30)
p.user("bob"); p.pass_(sys.argv[3])
n, size = p.stat(); print("stat", n, size)
assert n >= 1
p.quit()
EOF
}

step_fetchmail_pop3s() {
  local token="swaks-$RUN_ID"
  cat >"$WORK/fetchmailrc" <<EOF
set no syslog
poll $HOST service $P_pop3s protocol pop3 timeout $T
  user "bob" there with password "$BOB_PASS" is root here
  ssl sslcertck sslcertfile "$CA" sslcommonname "localhost"
  keep fetchall
  mda "cat >> $WORK/fetched.mbox"
EOF
  chmod 0600 "$WORK/fetchmailrc"
  # fetchmail matches only DNS names, never IP SANs: sslcommonname names the one to expect.
  # Exit 0 = mail fetched; HOME points at the scratch dir so no ~/.fetchids is touched.
  HOME="$WORK" timeout "$T" fetchmail -f "$WORK/fetchmailrc" --nodetach --pidfile "$WORK/fm.pid" &&
    expect "$WORK/fetched.mbox" "^Subject: $token"
}

step_no_auth_penalty() {
  # setup.sh disables Dovecot's per-IP penalty; a failed login must leave no 127.0.0.1 entry.
  python3 - "$HOST" "$P_imap" <<'EOF' || return 1
import imaplib, sys
m = imaplib.IMAP4(sys.argv[1], int(sys.argv[2]), timeout=30)
try:
    m.login("alice", "wrong-password")
    raise SystemExit("login with a wrong password succeeded")
except imaplib.IMAP4.error as e:
    print("refused as expected:", e)
EOF
  doveadm -c "$DIR/etc/dovecot.conf" penalty >"$WORK/out" 2>&1 || { cat "$WORK/out"; return 1; }
  cat "$WORK/out"
  ! grep -q '^127\.0\.0\.1 ' "$WORK/out"
}

step_python_clients() {
  python3 "$HERE/check-direct.py" "$ENV_JSON" "py-$RUN_ID"
}

check "SMTP 10025 plaintext EHLO lists the lab's extensions + STARTTLS, no AUTH" step_smtp_ehlo_plain
check "openssl s_client -starttls smtp on 10025 verifies against the CA" step_smtp_starttls_s_client
check "swaks --tls --auth LOGIN on 10587 delivers to bob's Maildir" step_swaks_submission
check "swaks AUTH CRAM-MD5 without TLS on 10587 delivers to alice" step_swaks_cram_md5_plaintext
check "relay to another domain is refused (554 5.7.1)" step_relay_refused
check "lab guide SMTPS dialogue (auth login, base64) on 10465" step_smtps_lab_auth_login
check "curl smtps://:10465 --ssl-reqd sends to bob" step_curl_smtps
check "curl smtp://:10587 --ssl-reqd (STARTTLS) sends to bob" step_curl_submission_starttls
check "curl imaps://:10993/INBOX reads back the curl message" step_curl_imaps_read
check "curl imap://:10143 --ssl-reqd (STARTTLS) lists folders" step_curl_imap_starttls
check "lab guide IMAP dialogue via openssl s_client on 10993" step_imaps_lab_dialogue
check "curl pop3s://:10995 reads back the swaks message" step_curl_pop3s_read
check "curl pop3://:10110 --ssl-reqd (STLS) lists alice's mail" step_curl_pop3_stls
check "lab guide POP3 dialogue via openssl s_client on 10995" step_pop3s_lab_dialogue
check "POP3 USER/PASS in clear on 10110 (no TLS)" step_pop3_plaintext_no_tls
check "fetchmail over POP3S (sslcertck) fetches bob's mail" step_fetchmail_pop3s
check "a failed login leaves no Dovecot auth penalty for 127.0.0.1" step_no_auth_penalty
check "python smtplib/imaplib/poplib on every port" step_python_clients

printf '\ncheck-direct: all %d steps passed\n' "$PASSED"
