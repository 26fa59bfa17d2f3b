#!/usr/bin/env python3
"""A real SMTP server for custadm's mail tests (aiosmtpd), on 127.0.0.1.

Each received message is written to OUT/<n>.json as
{"mail_from", "rcpt_tos", "data", "tls", "authenticated"}. Prints READY once it
listens, then runs until stdin closes or it is killed.

  smtp_server.py --port P --out DIR [--mode plain|starttls|tls] [--ca-out FILE]
                 [--user U --password PW]

--mode starttls offers STARTTLS (and requires it when --user is given);
--mode tls speaks TLS from the first byte (smtps). Certificates come from
trustme: a throw-away CA (written to --ca-out) and a cert for 127.0.0.1 and
localhost.
"""
import argparse
import json
import os
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Handler:
    def __init__(self, out):
        self.out = out
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
        }
        tmp = os.path.join(self.out, f".{n}.tmp")
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(self.out, f"{n}.json"))
        return "250 Message accepted"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--mode", default="plain", choices=["plain", "starttls", "tls"])
    p.add_argument("--ca-out")
    p.add_argument("--user")
    p.add_argument("--password")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)

    kwargs = {}
    ssl_context = None
    if a.mode != "plain":
        import trustme

        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        if a.ca_out:
            ca.cert_pem.write_to_path(a.ca_out)
        import ssl

        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(ctx)
        if a.mode == "starttls":
            kwargs["tls_context"] = ctx
            kwargs["require_starttls"] = bool(a.user)
        else:
            ssl_context = ctx

    if a.user:
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login.decode() == a.user and auth_data.password.decode() == a.password
            return AuthResult(success=ok)

        kwargs["authenticator"] = authenticator
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = a.mode != "plain"

    controller = Controller(
        Handler(a.out), hostname="127.0.0.1", port=a.port, ssl_context=ssl_context, **kwargs
    )
    controller.start()
    print("READY", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
