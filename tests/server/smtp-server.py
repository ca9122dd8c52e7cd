#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A real SMTP server on loopback for tests/server/test-smtp.c: Debian's
# python3-aiosmtpd, run with /usr/bin/python3. It demands a login (AUTH
# PLAIN or LOGIN) of --user with the password in --password-file, read at
# each attempt so that a test can change it, and, by --mode:
#
#   starttls  STARTTLS before anything else (--cert, --key)
#   smtps     TLS from the first byte (implicit TLS, --cert, --key)
#   plain     no TLS offered at all; login and mail taken in clear
#
# Each mail taken is written to --mail-dir as NNNN.json (written whole,
# then renamed): {"mail_from", "rcpt_tos", "tls", "login", "data"}. What
# happened is appended to --events, one word a line (connect, starttls,
# auth-ok, auth-fail, mail). The bound port goes to --port-file once the
# server listens.

import argparse
import asyncio
import json
import logging
import os
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["starttls", "smtps", "plain"], required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--mail-dir", required=True)
    parser.add_argument("--events", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password-file", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    return parser.parse_args()


class Recorder:
    def __init__(self, args):
        self.args = args
        self.count = 0

    def event(self, what):
        with open(self.args.events, "a") as f:
            f.write(what + "\n")

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            self.event("auth-fail")
            return AuthResult(success=False, handled=False)
        with open(self.args.password_file, "rb") as f:
            password = f.read().rstrip(b"\n")
        ok = auth_data.login == self.args.user.encode() and auth_data.password == password
        self.event("auth-ok" if ok else "auth-fail")
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login.decode())

    # called (not awaited) once the TLS handshake of STARTTLS is done
    def handle_STARTTLS(self, server, session, envelope):
        self.event("starttls")
        return True

    async def handle_DATA(self, server, session, envelope):
        transport = server.transport
        tls = session.ssl is not None or (
            transport is not None and transport.get_extra_info("ssl_object") is not None)
        self.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": tls,
            "login": session.auth_data,
            "data": envelope.content.decode("utf-8", "replace"),
        }
        path = os.path.join(self.args.mail_dir, "%04d.json" % self.count)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        self.event("mail")
        return "250 OK queued"


def main():
    # plain mode asks for AUTH without TLS on purpose: no warning about it
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    args = parse_args()
    recorder = Recorder(args)
    context = None
    if args.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    def factory():
        recorder.event("connect")
        return SMTP(
            recorder,
            hostname="smtp.test",
            tls_context=context if args.mode == "starttls" else None,
            require_starttls=args.mode == "starttls",
            auth_required=True,
            # aiosmtpd knows of STARTTLS only: with implicit TLS (and in
            # plain mode, on purpose) it must not ask for it
            auth_require_tls=args.mode == "starttls",
            authenticator=recorder.authenticate,
        )

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(
        loop.create_server(factory, host="127.0.0.1", port=args.port,
                           ssl=context if args.mode == "smtps" else None,
                           reuse_address=True))
    port = server.sockets[0].getsockname()[1]
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(args.port_file + ".tmp", args.port_file)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    sys.exit(main())
