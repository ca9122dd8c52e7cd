#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Writes the seed inputs of tests/fuzz/corpus/TARGET/seed-*: real frames,
# bodies, answers, requests and config files as Kith and kithd write them
# (docs/protocol.md). Inputs kept because they once failed are named
# crash-* and are never touched here. Run from anywhere:
#   /usr/bin/python3 tests/fuzz/make-seeds.py
import json
import os
import struct

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(top, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def j(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


user = {"id": 7, "email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}
own = dict(user, offline_email_notification=True, plan="free")
message = {"seq": 42, "id": "c-1", "from": 7, "to": 9, "body": "hi \u00e9\U0001F600", "sent_at": 1700000000000}

# ---- socket frames, both ways ----
frames = {
    "hello": {"type": "hello", "token": "AliceFuzzToken_0123456789abcdefghijklmnopqr", "resume_after": 3},
    "hello-bare": {"type": "hello", "token": "t"},
    "hello-call": {"type": "hello", "token": "t", "resume_after": 3,
                   "call": {"call_id": "k-1", "peer": 9, "caller": True, "video": False, "elapsed": 252}},
    "welcome": {"type": "welcome", "user": own, "seq": 42},
    "presence-set": {"type": "presence.set", "status": "busy"},
    "presence": {"type": "presence", "user_id": 9, "status": "idle"},
    "activity": {"type": "activity", "idle": True},
    "message-send": {"type": "message.send", "id": "c-1", "to": 2, "body": "Hello"},
    "message": dict(message, type="message"),
    "message-call": dict(message, type="message", id="call:0f3b", body="Video call, 4:12", kind="call",
                         call={"video": True, "outcome": "ended", "duration": 252}),
    "message-ack": {"type": "message.ack", "id": "c-1", "seq": 42, "sent_at": 1700000000000},
    "message-read-client": {"type": "message.read", "to": 9, "up_to": 42},
    "message-read-server": {"type": "message.read", "from": 7, "to": 9, "up_to": 42},
    "profile": {"type": "profile", "user": user},
    "contact-request": {"type": "contact.request", "user": user},
    "contact-accepted": {"type": "contact.accepted", "user": user},
    "contact-removed": {"type": "contact.removed", "user_id": 9},
    "call-invite": {"type": "call.invite", "call_id": "k-1", "to": 2, "video": True, "sdp": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"},
    "call-invite-server": {"type": "call.invite", "call_id": "k-1", "from": 7, "video": False, "sdp": "v=0\r\n"},
    "call-ringing": {"type": "call.ringing", "call_id": "k-1", "to": 2},
    "call-answer": {"type": "call.answer", "call_id": "k-1", "to": 2, "sdp": "v=0\r\n"},
    "call-candidate": {"type": "call.candidate", "call_id": "k-1", "to": 2, "candidate": "candidate:1 1 UDP 2122 192.0.2.1 5000 typ host", "sdp_mline_index": 0},
    "call-hangup": {"type": "call.hangup", "call_id": "k-1", "to": 2, "reason": "busy"},
    "call-reject": {"type": "call.reject", "call_id": "k-1", "from": 7},
    "ping": {"type": "ping"},
    "pong": {"type": "pong"},
    "error": {"type": "error", "code": "not_contact", "message": "Messages go to contacts only", "ref": "c-1"},
}
for name, frame in frames.items():
    write("frame", name, j(frame))
write("frame", "nul-in-key", '{"type":"message.send","id":"c-1","to":2,"body":"x","k\\u0000":1}')
write("frame", "nul-in-id", '{"type":"message.send","id":"c\\u0000-1","to":2,"body":"x"}')
write("frame", "escapes", '{"type":"message.send","id":"c-\\ud83d\\ude00","to":2,"body":"\\\\u0000 \\n\\t\\"\\/\\b\\f\\r"}')
write("frame", "lone-surrogate", '{"type":"message.send","id":"\\ud800","to":2,"body":"\\udc00x"}')
write("frame", "deep", '{"type":"ping","x":' + "[" * 40 + "]" * 40 + "}")
write("frame", "numbers", '{"type":"message.read","to":9223372036854775807,"up_to":-0,"x":1e308,"y":-1.5E-3}')
write("frame", "spaces", ' \r\n\t{ "type" : "ping" , "a" : [ true , false , null ] } \n')

# ---- REST request bodies ----
bodies = {
    "sign-up": {"email": "ada@example.com", "password": "Corr3ct-Horse!", "first_name": " Ada ", "last_name": "Lovelace"},
    "log-in": {"email": "alice@example.com", "password": "Corr3ct-Horse!", "device_name": "Laptop", "device_kind": "mobile"},
    "log-in-oidc": {"oidc_code": "abc", "oidc_verifier": "def", "oidc_redirect_uri": "http://127.0.0.1:1/cb"},
    "profile-update": {"first_name": "Ada", "last_name": "Byron", "offline_email_notification": False},
    "profile-email": {"email": "new@example.com"},
    "password-change": {"current_password": "Corr3ct-Horse!", "new_password": "N3w-Horse-Battery!"},
    "reset-request": {"email": "alice@example.com"},
    "reset-confirm": {"token": "AliceFuzzToken_0123456789abcdefghijklmnopqr", "password": "N3w-Horse-Battery!"},
    "delete-account": {"confirm_email": "alice@example.com"},
    "contact-add": {"email": "bob@example.com"},
}
for name, body in bodies.items():
    write("body", name, j(body))
write("body", "control-name", '{"email":"a@b.co","password":"Corr3ct-Horse!","first_name":"A\\u2028b","last_name":"\\u0085"}')
write("body", "email-shapes", '{"email":"a@@b..c.","confirm_email":"A@B.CO","current_password":"","new_password":"x"}')

# ---- REST answers ----
responses = {
    "error": {"error": {"code": "email_taken", "message": "This email address has an account already."}},
    "error-unknown": {"error": {"code": "something_new", "message": 3}},
    "session": {"token": "AliceFuzzToken_0123456789abcdefghijklmnopqr", "user": own},
    "user": own,
    "contacts": {"contacts": [{"user": user, "state": "accepted", "presence": "online"},
                              {"user": dict(user, id=9), "state": "incoming", "presence": "offline"}]},
    "messages": {"messages": [message, dict(message, seq=43, id="c-2", **{"from": 9, "to": 7})]},
    "server": {"name": "Kith", "version": "0.1.0", "protocol": 1, "login_flows": ["password", "oidc:google"],
               "password_policy": {"min_length": 8, "rules": ["length", "upper", "lower", "digit", "symbol"]},
               "ice_servers": [{"urls": ["stun:stun.example.org:3478"]},
                               {"urls": ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"]}]},
    "ice-servers": {"ice_servers": [{"urls": ["stun:stun.example.org"]},
                                    {"urls": ["turn:turn.example.org"], "username": "1700086400:7",
                                     "credential": "3N6Vd2R0Pq1c0x4yV0XQb4oS2zE="}], "ttl": 86400},
    "messages-call": {"messages": [message, dict(message, seq=43, id="call:1", kind="call", body="Missed call",
                                                 call={"video": False, "outcome": "missed", "duration": 0})]},
}
for name, body in responses.items():
    write("response", name, j(body))

# ---- kithd.conf ----
example = os.path.join(os.path.dirname(top), "..", "..", "data", "kithd.conf.example")
with open(example, "rb") as f:
    write("config", "example", f.read())
write("config", "short", "127.0.0.1:0\n[server]\nlisten=[::1]:8480\ndata-dir=/tmp/kithd\nname=Kith\n"
      "[limits]\nmax-connections=5\nmax-send-queue-kib=64\ndead-peer-timeout=2\n")
write("config", "tls", ":8480\n[tls]\ncertificate=/etc/kithd/cert.pem\nkey=/etc/kithd/key.pem\n"
      "[mail]\nfrom=Kith <a@b.c>\nsmtp-url=smtp://127.0.0.1:25\n[oidc:google]\nname=Google\n"
      "issuer=https://accounts.google.com\nclient-id=x\nclient-secret=y\n")
write("config", "bad-number", "[limits]\nrequest-timeout=0x10\nidle-timeout=-1\n")
write("config", "calls", "[calls]\nring-timeout=60\nreconnect-timeout=30\n"
      "stun-servers=stun:stun.example.org:3478;stuns:stun.example.org\n"
      "turn-servers=turn:turn.example.org:3478?transport=udp;turns:turn.example.org:5349\n"
      "turn-secret=s3cret\nturn-credential-lifetime=86400\n")


# ---- WebSocket framing (fuzz-ws: one options byte, then client bytes) ----
def ws(opcode, payload, fin=True, mask=b"\0\0\0\0", rsv=0):
    if isinstance(payload, str):
        payload = payload.encode()
    head = bytes([(0x80 if fin else 0) | rsv | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


close_normal = ws(0x8, struct.pack(">H", 1000) + b"bye")
write("ws", "text", b"\0" + ws(1, "hello") + ws(1, "\u00e9t\u00e9") + close_normal)
write("ws", "masked", b"\0" + ws(1, "hello", mask=b"\x12\x34\x56\x78") + close_normal)
write("ws", "fragments", b"\0" + ws(1, "hel", fin=False) + ws(9, "p") + ws(0, "lo", fin=False) + ws(0, "!") + close_normal)
write("ws", "ping-pong", b"\0" + ws(9, "x" * 125) + ws(10, "") + ws(1, "ping") + close_normal)
write("ws", "server-close", b"\0" + ws(1, "close") + ws(1, "after") + close_normal)
write("ws", "first-input", b"\x20" + ws(1, "early") + ws(1, "late") + close_normal)
write("ws", "slow-reader", b"\xc0" + b"".join(ws(1, "y" * 1000) for _ in range(40)))
write("ws", "too-big", b"\0" + ws(1, "z" * 1025))
write("ws", "long-16", b"\0" + ws(1, "w" * 300) + close_normal)
write("ws", "long-64", b"\0" + bytes([0x81, 0xff]) + struct.pack(">Q", 2 ** 40) + b"\0\0\0\0")
write("ws", "binary", b"\0" + ws(2, b"\x00\xff"))
write("ws", "bad-utf8", b"\0" + ws(1, b"\xc3\x28"))
write("ws", "unmasked", b"\0" + bytes([0x81, 0x02]) + b"hi")
write("ws", "reserved", b"\0" + ws(1, "r", rsv=0x40))
write("ws", "close-codes", b"\0" + ws(8, struct.pack(">H", 1005)) + ws(8, b"\x03"))
write("ws", "close-bad-reason", b"\0" + ws(8, struct.pack(">H", 4000) + b"\xff"))
write("ws", "continuation-first", b"\0" + ws(0, "c"))


# ---- kithd over HTTP (fuzz-http: what one client writes) ----
ALICE = "AliceFuzzToken_0123456789abcdefghijklmnopqr"
BOB = "BobFuzzToken-0123456789abcdefghijklmnopqrst"


def req(method, path, body=None, token=None, headers=()):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    lines += list(headers)
    data = b""
    if body is not None:
        data = (j(body) if not isinstance(body, (str, bytes)) else body)
        data = data.encode() if isinstance(data, str) else data
        lines.append("Content-Type: application/json")
        lines.append(f"Content-Length: {len(data)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


A = "/api/v1"
http = {
    "server": req("GET", A + "/server"),
    "sign-up": req("POST", A + "/accounts", bodies["sign-up"]),
    "log-in": req("POST", A + "/sessions", bodies["log-in"]),
    "log-in-wrong": req("POST", A + "/sessions", {"email": "bob@example.com", "password": "nope"}),
    "me": req("GET", A + "/me", token=ALICE),
    "me-patch": req("PATCH", A + "/me", bodies["profile-update"], token=ALICE),
    "me-password": req("PUT", A + "/me/password", bodies["password-change"], token=BOB),
    "me-delete": req("DELETE", A + "/me", {"confirm_email": "nobody@example.com"}, token=ALICE),
    "reset": req("POST", A + "/password-reset", bodies["reset-request"]),
    "reset-confirm": req("POST", A + "/password-reset/confirm", bodies["reset-confirm"]),
    "contacts": req("GET", A + "/contacts", token=ALICE),
    "contact-add": req("POST", A + "/contacts", {"email": "alice@example.com"}, token=BOB),
    "contact-accept": req("POST", A + "/contacts/1/accept", token=BOB),
    "contact-remove": req("DELETE", A + "/contacts/2", token=ALICE),
    "history": req("GET", A + "/conversations/2/messages?limit=10&before=99", token=ALICE),
    "history-bad": req("GET", A + "/conversations/2/messages?limit=0&before=x%00", token=ALICE),
    "log-out": req("DELETE", A + "/sessions/current", token="NotAToken"),
    "not-found": req("GET", A + "/nothing/here%2F..%00"),
    "method": req("PUT", A + "/server", "x"),
    "head": req("HEAD", A + "/server"),
    "chunked": b"POST " + A.encode() + b"/accounts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "too-large": req("POST", A + "/accounts", headers=["Content-Length: 70000"]) + b"x" * 100,
    "far-too-large": req("POST", A + "/accounts", headers=["Content-Length: 99999999999"]),
    "expect": req("POST", A + "/sessions", bodies["log-in"], headers=["Expect: 100-continue"]),
    "pipelined": req("GET", A + "/server") + req("GET", A + "/me", token=ALICE) + req("GET", A + "/contacts", token=BOB),
    "http10": b"GET /api/v1/server HTTP/1.0\r\n\r\n",
    # kithd trusts 127.0.0.1 as a proxy in fuzz-http: the last address is the client
    "forwarded": req("POST", A + "/sessions", {"email": "alice@example.com", "password": "wrong"},
                     headers=["X-Forwarded-For: 203.0.113.9, 2001:db8::1"]) +
                 req("POST", A + "/accounts", bodies["sign-up"], headers=["X-Forwarded-For: ::ffff:10.0.0.1"]) +
                 req("POST", A + "/password-reset", bodies["reset-request"], headers=["X-Forwarded-For: nonsense"]),
    "garbage": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
    # libmicrohttpd 0.9.75 answers these with its error's header block twice
    "no-host": b"GET /api/v1/server HTTP/1.1\r\n\r\n",
    "length-not-number": b"POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
    "length-past-2-64": b"POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n{}",
}
for name, data in http.items():
    write("http", name, data)

upgrade = ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13",
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]
hello_alice = j({"type": "hello", "token": ALICE})
W = b"KITHWAIT"   # fuzz-http: kithd settles here (after a hello: the welcome)
sock = req("GET", A + "/socket", headers=upgrade)
write("http", "socket", sock + ws(1, hello_alice) + W +
      ws(1, j({"type": "presence.set", "status": "busy"})) +
      ws(1, j({"type": "message.send", "id": "m-1", "to": 2, "body": "Hi Bob"})) +
      ws(1, j({"type": "message.send", "id": "m-1", "to": 2, "body": "Hi Bob"})) +
      ws(1, j({"type": "message.read", "to": 2, "up_to": 1})) +
      ws(1, j({"type": "ping"})) + ws(1, j({"type": "activity", "idle": True})) + W + close_normal)
write("http", "socket-call", sock + ws(1, j({"type": "hello", "token": BOB})) + W +
      ws(1, j(frames["call-invite"] | {"to": 1})) + ws(1, j(frames["call-ringing"] | {"to": 1})) +
      ws(1, j(frames["call-answer"] | {"to": 1})) + ws(1, j(frames["call-candidate"] | {"to": 1})) +
      ws(1, j(frames["call-hangup"] | {"to": 1})) + ws(1, j(frames["call-reject"] | {"to": 1})) + W + close_normal)
write("http", "socket-errors", sock + ws(1, hello_alice) + W + ws(1, hello_alice) +
      ws(1, j(frames["message-send"])) + ws(1, "{not json") + ws(1, j(frames["welcome"])) +
      ws(1, '{"type":"message.send","id":"m\\u0000","to":2,"body":"x"}') +
      ws(1, j({"type": "message.send", "id": "m-2", "to": 99, "body": "nobody"})) + W)
write("http", "socket-no-hello", sock + ws(1, j({"type": "ping"})) +
      ws(1, "{not json") + ws(1, j(frames["message-send"])) + close_normal)
write("http", "socket-resume", sock + ws(1, j({"type": "hello", "token": BOB, "resume_after": 0})) + W +
      ws(9, "p") + W)
write("http", "socket-bad-key", req("GET", A + "/socket", headers=upgrade[:3] + ["Sec-WebSocket-Key: x"]))
write("http", "two-sessions", req("GET", A + "/me", token=ALICE) + W + req("DELETE", A + "/sessions/current", token=BOB) +
      W + req("GET", A + "/me", token=BOB))

# ---- the client's handling of kithd's frames (fuzz-client: one frame a
# line; "WAIT": the session handled everything before). The session is
# alice (1); bob (2) is a contact, carol (3) asks to be one.
alice = {"id": 1, "email": "alice@example.com", "first_name": "Alice", "last_name": "Fuzz",
         "offline_email_notification": True, "plan": "free"}
bob = {"id": 2, "email": "bob@example.com", "first_name": "Bob", "last_name": "Fuzz"}
carol = {"id": 3, "email": "carol@example.com", "first_name": "Carol", "last_name": "Fuzz"}
welcome = j({"type": "welcome", "user": alice, "seq": 5})


def lines(*frames):
    return "\n".join(f if isinstance(f, str) else j(f) for f in frames) + "\n"


def msg(seq, mid, frm, to, body="hi"):
    return {"type": "message", "seq": seq, "id": mid, "from": frm, "to": to, "body": body, "sent_at": 1700000000000 + seq}


write("client", "welcome", lines(welcome, "WAIT", {"type": "presence", "user_id": 2, "status": "busy"}))
write("client", "messages", lines(welcome, "WAIT", msg(1, "a", 2, 1), msg(2, "b", 1, 2), msg(2, "b", 1, 2),
                                  msg(6, "c", 2, 1), msg(7, "d", 3, 1), msg(8, "e", 9, 1),
                                  {"type": "message.read", "from": 2, "to": 1, "up_to": 8},
                                  {"type": "message.read", "from": 1, "to": 2, "up_to": 8},
                                  {"type": "message.ack", "id": "zz", "seq": 9, "sent_at": 1}))
write("client", "before-welcome", lines(msg(1, "a", 2, 1), {"type": "presence", "user_id": 2, "status": "online"},
                                        {"type": "contact.removed", "user_id": 2}, welcome))
write("client", "contacts", lines(welcome, "WAIT", {"type": "contact.request", "user": dict(bob, id=4)},
                                  {"type": "contact.accepted", "user": dict(bob, id=4)},
                                  {"type": "profile", "user": dict(bob, first_name="Robert")},
                                  {"type": "profile", "user": dict(alice, last_name="Other")},
                                  {"type": "contact.removed", "user_id": 3},
                                  {"type": "contact.request", "user": alice},
                                  {"type": "contact.removed", "user_id": 1}))
write("client", "calls", lines(welcome, "WAIT", frames["call-invite-server"] | {"from": 2},
                               {"type": "call.candidate", "call_id": "k-1", "from": 2, "candidate": "", "sdp_mline_index": 0},
                               {"type": "call.hangup", "call_id": "k-1", "from": 2},
                               frames["error"], frames["pong"]))
write("client", "other-user", lines(j({"type": "welcome", "user": dict(alice, id=2), "seq": 0}), "WAIT",
                                    msg(1, "x", 2, 2), {"type": "message.read", "from": 2, "to": 2, "up_to": 1}))
write("client", "refused", lines('{"type":"message","seq":1}', "{", '{"type":"hello","token":"t"}',
                                 '{"type":"message","seq":1,"id":"\\u0000","from":2,"to":1,"body":"x","sent_at":1}'))

# ---- what a browser sends the web pages: a form, and headers ----
write("web-input", "login", "csrf=0123abcd&email=ada%40example.com&password=Secret%23123")
write("web-input", "profile", "csrf=x&first_name=Ada+Lovelace&last_name=%C3%89t%C3%A9&offline_email_notification=on")
write("web-input", "cookie", "kith_csrf=yI1tEt_Tr0NO4M9YAdQORiotUhk6xb3YqYp4tehhsTg; "
      "kith_session=Qmv6zlCPmSCaZJcE2nAOhSGpUzl0ZCyJnAhP7-aQ4sA")
write("web-input", "accept-language", "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5")
write("web-input", "hostile-name", "<script>alert(\"x\")</script> O'Brien & \"Co\" \x01\x1b\u2028")
