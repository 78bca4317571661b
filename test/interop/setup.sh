#!/usr/bin/env bash
# Brings up a real Dovecot + Postfix on 127.0.0.1 for mailtap's interop tests.
# Invariants: everything it writes or starts lives under $MAILTAP_INTEROP_DIR (default
# /tmp/mailtap-interop); the system's own /etc/dovecot and /etc/postfix are never edited;
# nothing can leave the machine (loopback listeners, relay only to mailtap.test, default
# transport = error). Idempotent: a re-run only restarts/reloads what changed or died.
set -Eeuo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${MAILTAP_INTEROP_DIR:-/tmp/mailtap-interop}"
DOMAIN="mailtap.test"
HOST="127.0.0.1"
MAIL_USER="mail" # Debian base-passwd user (uid 8): owns the maildirs, no new account needed.

# name:port pairs; the names are mailtap's URL schemes so tests can build URLs from them.
PORTS=(smtp:10025 submission:10587 smtps:10465 imap:10143 imaps:10993 pop3:10110 pop3s:10995)
# The same Dovecot again, offering COMPRESS=DEFLATE (imap_zlib); env.json "compress" lists them.
COMPRESS_PORTS=(imap:10144 imaps:10994)
# name:password pairs of the test accounts.
USERS=(alice:alice-Secret1 bob:bob-Secret2)

APT_PACKAGES=(dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd postfix swaks
  libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl curl openssl ca-certificates
  fetchmail util-linux msmtp isync)

STEP="start"
STARTED_AT=$(date +%s.%N)

say() { printf '[interop] %s\n' "$*"; }
step() { STEP="$1"; say "$1"; }

show_logs() {
  local f
  local files=("$DIR/log/dovecot.log" "$DIR/log/postfix.log" "$DIR/log/postfix-start.log"
    "$DIR/log/dovecot-start.log")
  [[ "$STEP" == "install packages" ]] && files=("$DIR/log/apt.log")
  for f in "${files[@]}"; do
    if [[ -s "$f" ]]; then
      printf '\n--- last lines of %s ---\n' "$f" >&2
      tail -n 25 "$f" >&2
    fi
  done
}

on_error() {
  local rc=$?
  printf '\n[interop] FAILED at step: %s (exit %d, line %s)\n' "$STEP" "$rc" "${BASH_LINENO[0]}" >&2
  show_logs
  exit "$rc"
}
trap on_error ERR

fail() {
  printf '\n[interop] FAILED at step: %s: %s\n' "$STEP" "$*" >&2
  show_logs
  exit 1
}

# ---------------------------------------------------------------- preflight
step "preflight"
[[ $(id -u) -eq 0 ]] || fail "must run as root (the daemons start as root and drop privileges)"
case "$DIR" in /*) ;; *) fail "MAILTAP_INTEROP_DIR must be an absolute path (got '$DIR')" ;; esac
# Unix socket paths are limited to 107 bytes; the longest one we create is run/dovecot/auth-postfix.
((${#DIR} <= 70)) || fail "MAILTAP_INTEROP_DIR is too long for unix socket paths (max 70 chars)"
mkdir -p "$DIR"
chmod 0755 "$DIR"

# One setup at a time (parallel test runners may call us together). The daemons are started
# with fd 9 closed, or they would hold this lock for ever.
exec 9>"$DIR/.setup.lock"
if command -v flock >/dev/null; then
  flock -w 120 9 || fail "another setup.sh holds $DIR/.setup.lock for more than 120 s"
fi

# ---------------------------------------------------------------- packages
step "install packages"
missing=()
# dpkg-query exits 1 when some package is unknown (fresh machine): that is not an error here.
installed=" $({ dpkg-query -W -f='${Package}=${Status}\n' "${APT_PACKAGES[@]}" 2>/dev/null || true; } |
  awk -F= '$2 == "install ok installed" {printf "%s ", $1}')"
for p in "${APT_PACKAGES[@]}"; do
  [[ "$installed" == *" $p "* ]] || missing+=("$p")
done
command -v python3 >/dev/null || missing+=(python3)
if ((${#missing[@]})); then
  say "installing: ${missing[*]}"
  mkdir -p "$DIR/log"
  # Keep the packages' own init scripts from starting system-wide daemons on 25/143/993...
  # (Docker images already ship such a policy; a real Debian host does not).
  made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  echo "postfix postfix/mailname string $DOMAIN" | debconf-set-selections
  export DEBIAN_FRONTEND=noninteractive
  {
    # A fresh machine has no package lists; a stale one may lack our versions.
    apt-get update -q &&
      apt-get install -y -q --no-install-recommends "${missing[@]}"
  } >"$DIR/log/apt.log" 2>&1 || {
    ((made_policy)) && rm -f /usr/sbin/policy-rc.d
    fail "apt-get failed (see $DIR/log/apt.log)"
  }
  ((made_policy)) && rm -f /usr/sbin/policy-rc.d
fi
for b in dovecot doveadm doveconf postfix postconf openssl swaks curl; do
  command -v "$b" >/dev/null || [[ -x /usr/sbin/$b ]] || fail "binary '$b' missing after install"
done
export PATH="$PATH:/usr/sbin:/sbin"
id "$MAIL_USER" >/dev/null 2>&1 || fail "system user '$MAIL_USER' does not exist"
id dovecot >/dev/null 2>&1 || fail "system user 'dovecot' missing (dovecot-core postinst?)"
id postfix >/dev/null 2>&1 || fail "system user 'postfix' missing (postfix postinst?)"
MAIL_UID=$(id -u "$MAIL_USER")
MAIL_GID=$(id -g "$MAIL_USER")
DOVECOT_VERSION=$(dovecot --version | awk '{print $1}')
POSTFIX_VERSION=$(postconf -d -h mail_version 2>/dev/null)

# ---------------------------------------------------------------- layout
step "create state directory $DIR"
# Postfix's config dir must not contain its queue or data dirs: `postfix check` insists that
# everything under config_directory is owned by root.
mkdir -p "$DIR"/{tls,log,etc,run,mail,dovecot/state} "$DIR"/postfix/{conf,spool,data}
chmod 0755 "$DIR/tls" "$DIR/log" "$DIR/etc" "$DIR/run" "$DIR/mail" "$DIR/postfix" "$DIR/postfix/conf"
chown postfix: "$DIR/postfix/data"
touch "$DIR/log/dovecot.log" "$DIR/log/postfix.log"

# Write $2 to $1 only when it differs; returns 0 when the file changed.
write_if_changed() {
  local path="$1" content="$2"
  if [[ -f "$path" ]] && [[ "$(cat "$path")" == "$content" ]]; then
    return 1
  fi
  printf '%s\n' "$content" >"$path"
  return 0
}

# ---------------------------------------------------------------- TLS
step "test CA and server certificate"
# shellcheck source=tls.sh
source "$HERE/tls.sh"
TLS_CHANGED=0
tls_rc=0
make_tls "$DIR/tls" || tls_rc=$?
case $tls_rc in
  0) TLS_CHANGED=1 ;;
  1) ;;
  *) fail "openssl could not make the test CA / server certificate" ;;
esac
CA="$DIR/tls/ca.pem"

# ---------------------------------------------------------------- users and maildirs
step "users and maildirs"
USERS_CHANGED=0
passwd_lines=""
vmailbox_lines=""
for u in "${USERS[@]}"; do
  name=${u%%:*}
  pass=${u#*:}
  home="$DIR/mail/$name"
  # passwd-file: user:password:uid:gid:gecos:home:shell:extra. {PLAIN} keeps CRAM-MD5 possible.
  passwd_lines+="$name:{PLAIN}$pass:$MAIL_UID:$MAIL_GID::$home::"$'\n'
  vmailbox_lines+="$name@$DOMAIN $name"$'\n'
  mkdir -p "$home/Maildir"/{cur,new,tmp}
  chown -R "$MAIL_UID:$MAIL_GID" "$home"
  chmod 0700 "$home"
done
write_if_changed "$DIR/etc/users" "${passwd_lines%$'\n'}" && USERS_CHANGED=1
chown root:dovecot "$DIR/etc/users"
chmod 0640 "$DIR/etc/users"

# ---------------------------------------------------------------- Dovecot
step "Dovecot config"
# shellcheck source=dovecot-conf.sh
source "$HERE/dovecot-conf.sh"
DOVECOT_CONF="$DIR/etc/dovecot.conf"
DOVECOT_CHANGED=0
write_if_changed "$DOVECOT_CONF" "$(dovecot_conf)" && DOVECOT_CHANGED=1
doveconf -c "$DOVECOT_CONF" -n >"$DIR/log/doveconf.out" 2>&1 ||
  fail "doveconf rejected $DOVECOT_CONF: $(tail -n 3 "$DIR/log/doveconf.out")"

step "start Dovecot"
DOVECOT_PID="$DIR/run/dovecot/master.pid"
dovecot_running() { [[ -s "$DOVECOT_PID" ]] && kill -0 "$(cat "$DOVECOT_PID")" 2>/dev/null; }
# Dovecot 2.3 delays every login from an IP by 2..15 s for ~30 s after a failed one, and has
# no setting to turn that off; tests fail logins on purpose, all from 127.0.0.1. The auth
# process disables the penalty silently when the anvil-auth-penalty socket is missing at its
# start (src/auth/auth-penalty.c, ENOENT hidden), and the master creates auth lazily on the
# first login, so the socket is removed right after start. Hence restart, never reload.
dovecot_start() {
  dovecot -c "$DOVECOT_CONF" >"$DIR/log/dovecot-start.log" 2>&1 9>&- || fail "dovecot did not start"
  for _ in $(seq 1 50); do
    [[ -S "$DIR/run/dovecot/anvil-auth-penalty" ]] && break
    sleep 0.1
  done
  rm -f "$DIR/run/dovecot/anvil-auth-penalty"
}
if dovecot_running; then
  if ((DOVECOT_CHANGED || TLS_CHANGED || USERS_CHANGED)) ||
    [[ -S "$DIR/run/dovecot/anvil-auth-penalty" ]]; then
    say "config changed (or started by hand): restarting Dovecot"
    pid=$(cat "$DOVECOT_PID")
    doveadm -c "$DOVECOT_CONF" stop >>"$DIR/log/dovecot-start.log" 2>&1 9>&- || kill "$pid"
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && fail "old Dovecot master $pid did not stop"
    dovecot_start
  fi
else
  dovecot_start
fi

# ---------------------------------------------------------------- Postfix
step "Postfix config"
# shellcheck source=postfix-conf.sh
source "$HERE/postfix-conf.sh"
PF="$DIR/postfix/conf"
POSTFIX_CHANGED=0
write_if_changed "$PF/main.cf" "$(postfix_main_cf)" && POSTFIX_CHANGED=1
write_if_changed "$PF/master.cf" "$(postfix_master_cf)" && POSTFIX_CHANGED=1
write_if_changed "$PF/vmailbox" "${vmailbox_lines%$'\n'}" && POSTFIX_CHANGED=1
write_if_changed "$PF/virtual" "postmaster@$DOMAIN alice@$DOMAIN
abuse@$DOMAIN alice@$DOMAIN" && POSTFIX_CHANGED=1
chmod 0644 "$PF/main.cf" "$PF/master.cf" "$PF/vmailbox" "$PF/virtual"
postfix_running() { postfix -c "$PF" status >/dev/null 2>&1; }
POSTFIX_UP=0
postfix_running && POSTFIX_UP=1
# `postfix check` also creates missing queue dirs; it takes ~1 s, so only when needed.
if ((!POSTFIX_UP || POSTFIX_CHANGED || TLS_CHANGED)); then
  postfix -c "$PF" check >"$DIR/log/postfix-start.log" 2>&1 ||
    fail "postfix check failed: $(tail -n 3 "$DIR/log/postfix-start.log")"
fi

step "start Postfix"
if ((POSTFIX_UP)); then
  if ((POSTFIX_CHANGED || TLS_CHANGED)); then
    say "config changed: reloading Postfix"
    postfix -c "$PF" reload >>"$DIR/log/postfix-start.log" 2>&1 9>&-
  fi
else
  postfix -c "$PF" start >>"$DIR/log/postfix-start.log" 2>&1 9>&- || fail "postfix did not start"
fi

# ---------------------------------------------------------------- wait for ports
step "wait for listeners"
port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }
for pp in "${PORTS[@]}" "${COMPRESS_PORTS[@]}"; do
  name=${pp%%:*}
  port=${pp#*:}
  ok=0
  for _ in $(seq 1 100); do
    if port_open "$port"; then
      ok=1
      break
    fi
    sleep 0.1
  done
  ((ok)) || fail "$name port $port on $HOST does not accept connections after 10 s"
done
for sock in "$DIR/run/dovecot/lmtp" "$DIR/run/dovecot/auth-postfix"; do
  [[ -S "$sock" ]] || fail "Dovecot socket $sock missing"
done

# ---------------------------------------------------------------- env.json
step "write env.json"
# shellcheck source=env-json.sh
source "$HERE/env-json.sh"
write_env_json >"$DIR/env.json.tmp"
mv "$DIR/env.json.tmp" "$DIR/env.json"
chmod 0644 "$DIR/env.json"

ELAPSED=$(awk -v s="$STARTED_AT" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
cat <<EOF

mailtap interop environment is up ($ELAPSED s)  Dovecot $DOVECOT_VERSION, Postfix $POSTFIX_VERSION
  state dir   $DIR
  env         $DIR/env.json
  CA          $CA     (mailtap: --upstream-ca $CA)
  SMTP        $HOST:10025 (STARTTLS, no AUTH)    submission $HOST:10587 (STARTTLS, AUTH)
  SMTPS       $HOST:10465 (implicit TLS, AUTH)
  IMAP        $HOST:10143 (STARTTLS)   IMAPS $HOST:10993
  IMAP+COMPRESS $HOST:10144 (STARTTLS) IMAPS $HOST:10994   (COMPRESS=DEFLATE offered)
  POP3        $HOST:10110 (STLS)       POP3S $HOST:10995
  users       alice@$DOMAIN / alice-Secret1    bob@$DOMAIN / bob-Secret2
  logs        $DIR/log/dovecot.log  $DIR/log/postfix.log
  stop with   $HERE/teardown.sh
EOF
