"""Python's stdlib mail clients driven through mailtap by python.test.ts.

Usage: python3 python-clients.py SCENARIO < config.json. Each scenario is one client session
(one mailtap recording). Prints one JSON object; on failure exits 1 naming the failed step.
The clients trust only config["ca"] (the mailtap CA). Messages are passed base64 so their
bytes are exact; read-backs are returned base64 for the test to hash.
"""
import base64
import imaplib
import json
import poplib
import smtplib
import ssl
import sys
import traceback

scenario = sys.argv[1]
cfg = json.load(sys.stdin)
host, port = "127.0.0.1", cfg["port"]
ctx = ssl.create_default_context(cafile=cfg["ca"])
out = {"steps": []}
current = "start"


def step(name):
    global current
    current = name
    out["steps"].append(name)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def smtp_session(s, auth_mech):
    step("EHLO")
    code, _ = s.ehlo("python-interop")
    check(code == 250, f"EHLO {code}")
    step("VRFY")
    code, text = s.verify(cfg["to"])
    check(code in (250, 252), f"VRFY {code} {text}")
    step("HELP")
    code, text = s.docmd("HELP")
    # Postfix implements no HELP (500 5.5.2): the point is that it travels and is annotated.
    check(code in (211, 214, 500, 502), f"HELP {code} {text}")
    out["help"] = code
    step("RSET")
    code, _ = s.rset()
    check(code == 250, f"RSET {code}")
    step(f"AUTH {auth_mech}")
    s.user, s.password = cfg["user"], cfg["password"]
    if auth_mech == "CRAM-MD5":
        s.login(cfg["user"], cfg["password"])  # smtplib's own choice: CRAM-MD5 first
    else:
        code, _ = s.auth(auth_mech, getattr(s, "auth_" + auth_mech.lower().replace("-", "_")))
        check(code == 235, f"AUTH {code}")
    step("MAIL/RCPT/DATA")
    refused = s.sendmail(cfg["from"], [cfg["to"]], base64.b64decode(cfg["message"]))
    check(refused == {}, f"refused {refused}")
    step("QUIT")
    s.quit()


def smtp_starttls():
    s = smtplib.SMTP(host, port, timeout=20)
    step("EHLO before STARTTLS")
    s.ehlo("python-interop")
    step("STARTTLS")
    code, _ = s.starttls(context=ctx)
    check(code == 220, f"STARTTLS {code}")
    smtp_session(s, "LOGIN")


def smtp_ssl():
    smtp_session(smtplib.SMTP_SSL(host, port, context=ctx, timeout=20), "CRAM-MD5")


def idle(m):
    # imaplib has no idle() before Python 3.14: the raw RFC 2177 exchange.
    step("IDLE")
    tag = m._new_tag()
    m.send(tag + b" IDLE\r\n")
    line = m.readline()
    check(line.startswith(b"+"), f"IDLE continuation {line!r}")
    step("DONE")
    m.send(b"DONE\r\n")
    while True:
        line = m.readline()
        if line.startswith(tag):
            check(b" OK" in line, f"IDLE end {line!r}")
            break


def imap(m):
    step("LOGIN")
    m.login(cfg["user"], cfg["password"])
    step("SELECT INBOX")
    typ, data = m.select("INBOX")
    check(typ == "OK", f"SELECT {data}")
    step("SEARCH")
    typ, data = m.search(None, "SUBJECT", f'"{cfg["subject"]}"')
    check(typ == "OK" and data[0], f"SEARCH {data}")
    step("UID SEARCH")
    typ, data = m.uid("SEARCH", "SUBJECT", f'"{cfg["subject"]}"')
    uid = data[0].split()[-1].decode()
    step("UID FETCH BODY.PEEK[]")
    typ, data = m.uid("FETCH", uid, "(BODY.PEEK[])")
    check(typ == "OK" and isinstance(data[0], tuple), f"UID FETCH {data}")
    out["fetched"] = base64.b64encode(data[0][1]).decode()
    step("STORE +FLAGS \\Flagged")
    typ, data = m.uid("STORE", uid, "+FLAGS", "(\\Flagged)")
    check(typ == "OK", f"STORE {data}")  # no FETCH echo when the flag was already set
    step("COPY to Trash")
    typ, data = m.uid("COPY", uid, "Trash")
    check(typ == "OK", f"COPY {data}")
    step("APPEND to Drafts")
    typ, data = m.append("Drafts", "(\\Draft)", None, base64.b64decode(cfg["message"]))
    check(typ == "OK", f"APPEND {data}")
    if cfg.get("idle", True):
        idle(m)
    step("SELECT Trash")
    m.select("Trash")
    typ, data = m.uid("SEARCH", "SUBJECT", f'"{cfg["subject"]}"')
    check(typ == "OK" and data[0], f"Trash SEARCH {data}")
    step("STORE \\Deleted in Trash")
    for u in data[0].split():
        m.uid("STORE", u.decode(), "+FLAGS", "(\\Deleted)")
    step("EXPUNGE")
    typ, data = m.expunge()
    check(typ == "OK" and data[0] is not None, f"EXPUNGE {data}")
    out["expunged"] = len([d for d in data if d])
    step("LOGOUT")
    m.logout()


def imap_starttls():
    m = imaplib.IMAP4(host, port, timeout=20)
    step("STARTTLS")
    m.starttls(ssl_context=ctx)
    imap(m)


def imap_ssl():
    imap(imaplib.IMAP4_SSL(host, port, ssl_context=ctx, timeout=20))


def pop3(p):
    step("CAPA")
    check("USER" in p.capa(), "no USER in CAPA")
    step("USER/PASS")
    p.user(cfg["user"])
    p.pass_(cfg["password"])
    step("STAT")
    count, _ = p.stat()
    check(count >= 1, "empty mailbox")
    step("LIST")
    resp, listing, _ = p.list()
    check(len(listing) == count, f"LIST {len(listing)} != STAT {count}")
    step("UIDL")
    resp, uidls, _ = p.uidl()
    check(len(uidls) == count, "UIDL count")
    step("TOP n 0 (newest first)")
    found = None
    for n in range(count, 0, -1):
        resp, lines, _ = p.top(n, 0)
        if any(cfg["subject"].encode() in line for line in lines):
            found = n
            break
    check(found, f"no message with subject {cfg['subject']}")
    step("RETR")
    resp, lines, _ = p.retr(found)
    out["fetched"] = base64.b64encode(b"\r\n".join(lines) + b"\r\n").decode()
    step("DELE + RSET")
    p.dele(found)
    p.rset()
    step("NOOP")
    p.noop()
    step("QUIT")
    p.quit()


def pop3_stls():
    p = poplib.POP3(host, port, timeout=20)
    step("CAPA")
    check("STLS" in p.capa(), "no STLS in CAPA")
    step("STLS")
    p.stls(context=ctx)
    pop3(p)


def pop3_ssl():
    pop3(poplib.POP3_SSL(host, port, context=ctx, timeout=20))


try:
    {"smtp-starttls": smtp_starttls, "smtp-ssl": smtp_ssl, "imap-starttls": imap_starttls,
     "imap-ssl": imap_ssl, "pop3-stls": pop3_stls, "pop3-ssl": pop3_ssl}[scenario]()
except Exception as e:  # noqa: BLE001 - report any failure with the step it happened in
    traceback.print_exc()
    print(f"python {scenario}: failed at step {current}: {e!r}", file=sys.stderr)
    sys.exit(1)
print(json.dumps(out))
