#!/usr/bin/env bash
# Stops exactly the Dovecot and Postfix that setup.sh started under $MAILTAP_INTEROP_DIR:
# by their own config (postfix -c, doveadm -c) and their pid files, never by process name.
# Leaves the state dir (certs, maildirs, logs) unless --purge is given. Safe to run twice.
set -uo pipefail

DIR="${MAILTAP_INTEROP_DIR:-/tmp/mailtap-interop}"
PURGE=0
[[ "${1:-}" == "--purge" ]] && PURGE=1
export PATH="$PATH:/usr/sbin:/sbin"
rc=0

say() { printf '[interop] %s\n' "$*"; }

# wait_gone PID: up to 10 s for a process to exit.
wait_gone() {
  for _ in $(seq 1 100); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# Postfix: its master pid lives in the instance's own queue directory.
PF="$DIR/postfix/conf"
PF_PID_FILE="$DIR/postfix/spool/pid/master.pid"
if [[ -f "$PF/main.cf" ]] && command -v postfix >/dev/null; then
  if postfix -c "$PF" status >/dev/null 2>&1; then
    pid=$(tr -d ' ' <"$PF_PID_FILE" 2>/dev/null || true)
    say "stopping Postfix (master pid ${pid:-?})"
    postfix -c "$PF" stop >/dev/null 2>&1 || true
    if [[ -n "$pid" ]] && ! wait_gone "$pid"; then
      say "Postfix master $pid still alive, sending SIGKILL"
      kill -9 "$pid" 2>/dev/null || true
      rc=1
    fi
  else
    say "Postfix not running"
  fi
fi

# Dovecot: stop through its own master pid.
DC_CONF="$DIR/etc/dovecot.conf"
DC_PID_FILE="$DIR/run/dovecot/master.pid"
if [[ -s "$DC_PID_FILE" ]] && pid=$(cat "$DC_PID_FILE") && kill -0 "$pid" 2>/dev/null; then
  say "stopping Dovecot (master pid $pid)"
  if [[ -f "$DC_CONF" ]] && command -v doveadm >/dev/null; then
    doveadm -c "$DC_CONF" stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  else
    kill "$pid" 2>/dev/null || true
  fi
  if ! wait_gone "$pid"; then
    say "Dovecot master $pid still alive, sending SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
    rc=1
  fi
else
  say "Dovecot not running"
fi

if ((PURGE)); then
  case "$DIR" in
    /tmp/?* | /var/tmp/?*) ;;
    *)
      if [[ ! -f "$DIR/env.json" && ! -f "$DIR/etc/dovecot.conf" ]]; then
        say "refusing to purge $DIR: it does not look like an interop state dir"
        exit 1
      fi
      ;;
  esac
  say "removing $DIR"
  rm -rf -- "$DIR"
fi
exit "$rc"
