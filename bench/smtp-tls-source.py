#!/usr/bin/env python3
"""bench/smtp-tls-source.py: smtp-source over STARTTLS, for bench/intake.sh TLS=1.

smtp-source has no TLS, so this sends COUNT messages of SIZE payload bytes over SESSIONS
parallel sessions to 127.0.0.1:PORT, each as EHLO, STARTTLS, EHLO, MAIL, RCPT, DATA (a new
connection and a full handshake per message; with --reuse, one connection per session and
RSET-free back-to-back transactions after one handshake). The certificate is not checked
(both servers in the bench have self-signed ones); no TLS session is resumed. Any reply
other than the expected one stops that session and is reported. Prints the number of
messages the server accepted (250 to the final dot) as the last line, like smtp-source -c;
exit status 0 only if all COUNT were accepted. Loopback only; bounded by --timeout.
"""
import argparse
import smtplib
import ssl
import sys
import threading
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("-m", "--count", type=int, required=True)
    p.add_argument("-s", "--sessions", type=int, default=20)
    p.add_argument("-l", "--size", type=int, default=5120)
    p.add_argument("-f", "--sender", default="bench@example.test")
    p.add_argument("-t", "--recipient", default="rcpt@example.test")
    p.add_argument("--reuse", action="store_true")
    p.add_argument("--timeout", type=float, default=300)
    a = p.parse_args()

    tls = ssl.create_default_context()
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE
    line = ("x" * 75 + "\r\n").encode()
    body = line * (a.size // len(line)) + b"x" * (a.size % len(line))
    lock = threading.Lock()
    state = {"next": 0, "accepted": 0, "errors": []}
    deadline = time.monotonic() + a.timeout

    def take():
        with lock:
            if state["next"] >= a.count or state["errors"] or time.monotonic() > deadline:
                return None
            state["next"] += 1
            return state["next"]

    def message(n):
        head = ("From: <%s>\r\nTo: <%s>\r\nSubject: bench %d\r\nMessage-ID: <%d.%f@bench.localhost>\r\n\r\n"
                % (a.sender, a.recipient, n, n, time.time())).encode()
        return head + body

    def session():
        smtp = None
        try:
            while True:
                n = take()
                if n is None:
                    return
                if smtp is None:
                    smtp = smtplib.SMTP("127.0.0.1", a.port, local_hostname="bench.localhost", timeout=60)
                    smtp.starttls(context=tls)
                    smtp.ehlo("bench.localhost")
                code, reply = smtp.mail(a.sender)
                if code != 250:
                    raise RuntimeError("MAIL: %d %s" % (code, reply))
                code, reply = smtp.rcpt(a.recipient)
                if code not in (250, 251):
                    raise RuntimeError("RCPT: %d %s" % (code, reply))
                code, reply = smtp.data(message(n))
                if code != 250:
                    raise RuntimeError("DATA: %d %s" % (code, reply))
                with lock:
                    state["accepted"] += 1
                if not a.reuse:
                    smtp.quit()
                    smtp = None
        except Exception as e:  # the run is reported as failed, with the reason
            with lock:
                state["errors"].append(repr(e))
        finally:
            if smtp is not None:
                try:
                    smtp.quit()
                except Exception:
                    pass

    threads = [threading.Thread(target=session, daemon=True) for _ in range(a.sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0, deadline - time.monotonic()) + 5)
    for e in state["errors"][:3]:
        print("error: " + e, file=sys.stderr)
    print(state["accepted"])
    sys.exit(0 if state["accepted"] == a.count else 1)


if __name__ == "__main__":
    main()
