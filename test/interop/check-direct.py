"""Python's stdlib mail clients against every port of the interop env (no mailtap).

Run by check-direct.sh: python3 check-direct.py ENV_JSON TOKEN. Each client verifies the
server certificate against env.json's CA (hostname 127.0.0.1 is in its SAN); the first
failure raises, which prints a traceback naming the step and exits non-zero.
"""
import imaplib
import json
import os
import poplib
import smtplib
import ssl
import sys
import time

env = json.load(open(sys.argv[1]))
token = sys.argv[2]
host, ports, users = env["host"], env["ports"], env["users"]
alice, bob = users["alice"], users["bob"]
ctx = ssl.create_default_context(cafile=env["ca"])


def step(name):
    print(f"-- {name}", flush=True)


def message(subject, sender, rcpt):
    return f"From: <{sender}>\r\nTo: <{rcpt}>\r\nSubject: {subject}\r\n\r\nbody of {subject}\r\n"


def wait_delivered(maildir, needle, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        for sub in ("new", "cur"):
            d = os.path.join(maildir, sub)
            for f in os.listdir(d):
                with open(os.path.join(d, f), "rb") as fh:
                    if needle.encode() in fh.read():
                        return
        time.sleep(0.1)
    raise AssertionError(f"{needle} not delivered to {maildir} within {seconds}s")


step("smtplib SMTP 10025 + starttls, no auth")
with smtplib.SMTP(host, ports["smtp"], timeout=30) as s:
    s.ehlo("py")
    assert s.has_extn("starttls") and not s.has_extn("auth")
    s.starttls(context=ctx)
    s.ehlo("py")
    s.sendmail(alice["email"], [bob["email"]], message(f"{token}-25", alice["email"], bob["email"]))
wait_delivered(bob["maildir"], f"{token}-25")

step("smtplib SMTP 10587 + starttls + login (smtplib prefers CRAM-MD5)")
with smtplib.SMTP(host, ports["submission"], timeout=30) as s:
    s.starttls(context=ctx)
    s.login(alice["login"], alice["password"])
    s.sendmail(alice["email"], [bob["email"]], message(f"{token}-587", alice["email"], bob["email"]))
wait_delivered(bob["maildir"], f"{token}-587")

step("smtplib SMTP_SSL 10465 + AUTH PLAIN with the full address as login")
with smtplib.SMTP_SSL(host, ports["smtps"], context=ctx, timeout=30) as s:
    s.ehlo("py")
    s.user, s.password = bob["email"], bob["password"]
    s.auth("PLAIN", s.auth_plain)
    s.sendmail(bob["email"], [alice["email"]], message(f"{token}-465", bob["email"], alice["email"]))
wait_delivered(alice["maildir"], f"{token}-465")

step("smtplib wrong password is refused with 535")
try:
    with smtplib.SMTP_SSL(host, ports["smtps"], context=ctx, timeout=30) as s:
        s.login("alice", "wrong")
    raise AssertionError("login with a wrong password succeeded")
except smtplib.SMTPAuthenticationError as e:
    assert e.smtp_code == 535, e

step("imaplib IMAP4 10143 + starttls + LOGIN, SEARCH and FETCH")
with imaplib.IMAP4(host, ports["imap"], timeout=30) as m:
    m.starttls(ssl_context=ctx)
    m.login(bob["login"], bob["password"])
    m.select("INBOX", readonly=True)
    typ, data = m.uid("SEARCH", "SUBJECT", f'"{token}-587"')
    assert typ == "OK" and data[0], data
    uid = data[0].split()[-1]
    typ, data = m.uid("FETCH", uid, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert f"{token}-587".encode() in data[0][1], data

step("imaplib IMAP4_SSL 10993 + AUTHENTICATE CRAM-MD5, LIST")
with imaplib.IMAP4_SSL(host, ports["imaps"], ssl_context=ctx, timeout=30) as m:
    m.login_cram_md5(alice["login"], alice["password"])
    typ, boxes = m.list()
    assert typ == "OK" and any(b'INBOX' in b for b in boxes), boxes
    typ, data = m.select("INBOX")
    assert typ == "OK" and int(data[0]) >= 1, data

step("imaplib plaintext LOGIN on 10143 without TLS")
with imaplib.IMAP4(host, ports["imap"], timeout=30) as m:
    m.login(alice["email"], alice["password"])

step("poplib POP3 10110 + stls, RETR")
p = poplib.POP3(host, ports["pop3"], timeout=30)
p.stls(context=ctx)
p.user(alice["login"])
p.pass_(alice["password"])
count, _ = p.stat()
found = any(f"{token}-465".encode() in b"\n".join(p.retr(i)[1]) for i in range(count, 0, -1))
p.quit()
assert found, f"{token}-465 not in alice's POP3 mailbox"

step("poplib POP3_SSL 10995, UIDL and TOP")
p = poplib.POP3_SSL(host, ports["pop3s"], context=ctx, timeout=30)
p.user(bob["email"])
p.pass_(bob["password"])
resp, uidls, _ = p.uidl()
assert resp.startswith(b"+OK") and uidls, resp
resp, lines, _ = p.top(1, 0)
assert any(line.lower().startswith(b"subject:") for line in lines), lines
p.quit()

print("python clients: all ok")
