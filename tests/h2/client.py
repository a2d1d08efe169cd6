#!/usr/bin/env python3
"""Raw HTTP/2 frame client for tests/proxy_http2.rs: speaks h2 over TLS (ALPN h2) to tshost with
frames built by hand (only HPACK comes from the `hpack` package that `pip install h2` brings), so a
test can send what a well-behaved client never would. Usage: client.py PORT MODE [ARGS...].
Prints one JSON object: per stream its status, body length and checksum, the RST_STREAM code
received, and the connection's GOAWAY code (or "closed"). Every read has a deadline."""
import json
import socket
import ssl
import struct
import sys
import time

import hpack

DATA, HEADERS, PRIORITY, RST, SETTINGS, PUSH, PING, GOAWAY, WINDOW, CONT = range(10)
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4


def fnv(data, h=0xCBF29CE484222325):
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def tls_context():
    """TLS for the proxy's self-signed certificate, offering h2 only."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    return ctx


def frame_bytes(kind, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", sid) + payload


class Conn:
    def __init__(self, port, window=(1 << 31) - 1, deadline=20.0, conn_window=True, ack=True):
        ctx = tls_context()
        raw = socket.create_connection(("127.0.0.1", port), timeout=deadline)
        self.raw = raw
        # Ragged EOFs raised: a close with close_notify reads as b"", one without as SSLEOFError.
        self.s = ctx.wrap_socket(raw, server_hostname="example.com", suppress_ragged_eofs=False)
        assert self.s.selected_alpn_protocol() == "h2", self.s.selected_alpn_protocol()
        self.enc = hpack.Encoder()
        self.dec = hpack.Decoder()
        self.dec.max_header_list_size = 1 << 30
        self.buf = b""
        self.streams = {}
        self.goaway = None
        self.goaway_t = None  # when the first GOAWAY came (s from the handshake)
        self.closed = False
        self.end = None  # how the server's side ended: "close_notify", else the error's name
        self.events = []
        self.t0 = time.monotonic()
        self.ack = ack  # False: the server's SETTINGS are never acknowledged
        self.settings = False  # the server's SETTINGS arrived
        self.s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        self.frame(SETTINGS, 0, 0, struct.pack(">HI", 4, window))
        if window > 65535 and conn_window:
            self.frame(WINDOW, 0, 0, struct.pack(">I", (1 << 31) - 1 - 65535))

    def frame(self, kind, flags, sid, payload=b""):
        self.s.sendall(frame_bytes(kind, flags, sid, payload))

    def st(self, sid):
        return self.streams.setdefault(sid, {"status": None, "len": 0, "fnv": 0xCBF29CE484222325,
                                             "rst": None, "end": False, "t": None, "headers": {}, "interim": [],
                                             "trailers": None})

    def request(self, sid, path, method="GET", end=True, extra=()):
        # A pseudo-header in extra replaces the default one (":authority=HOST"), or removes it
        # when empty (":authority=").
        pseudo = {":method": method, ":scheme": "https", ":authority": "example.com", ":path": path}
        rest = []
        for n, v in extra:
            if n in pseudo and v == "":
                del pseudo[n]
            elif n in pseudo:
                pseudo[n] = v
            else:
                rest.append((n, v))
        hdrs = list(pseudo.items()) + rest
        self.frame(HEADERS, END_HEADERS | (END_STREAM if end else 0), sid, self.enc.encode(hdrs))
        self.st(sid)

    def read_frame(self, timeout):
        self.s.settimeout(timeout)
        while len(self.buf) < 9 or len(self.buf) < 9 + int.from_bytes(self.buf[:3], "big"):
            try:
                d = self.s.recv(1 << 20)
            except (socket.timeout, TimeoutError):
                return None
            except (ConnectionError, ssl.SSLError, OSError) as e:
                d = b""
                self.end = self.end or type(e).__name__
            if not d:
                self.end = self.end or "close_notify"
                self.closed = True
                return None
            self.buf += d
        n = int.from_bytes(self.buf[:3], "big")
        kind, flags = self.buf[3], self.buf[4]
        sid = int.from_bytes(self.buf[5:9], "big") & 0x7FFFFFFF
        payload = self.buf[9:9 + n]
        self.buf = self.buf[9 + n:]
        self.handle(kind, flags, sid, payload)
        return kind

    def reply(self, *frame):
        try:
            self.frame(*frame)
        except OSError:
            pass  # the server already closed: what it sent before still counts

    def handle(self, kind, flags, sid, p):
        now = round(time.monotonic() - self.t0, 3)
        if kind == SETTINGS and not flags & ACK:
            self.settings = True
            if self.ack:
                self.reply(SETTINGS, ACK, 0)
        elif kind == PING and not flags & ACK:
            self.reply(PING, ACK, 0, p)
        elif kind == GOAWAY:
            if self.goaway is None:
                self.goaway_t = now
            self.goaway = struct.unpack(">II", p[:8])[1]
        elif kind == RST:
            self.st(sid)["rst"] = struct.unpack(">I", p)[0]
            self.st(sid)["t"] = now
        elif kind == HEADERS:
            if flags & 0x8:
                p = p[1:len(p) - p[0]]
            if flags & 0x20:
                p = p[5:]
            hs = {k: v for k, v in self.dec.decode(p)}
            s = self.st(sid)
            if ":status" in hs:
                if not hs[":status"].startswith("1"):
                    s["status"] = int(hs[":status"])
                    s["headers"] = hs
                else:
                    s["interim"].append(int(hs[":status"]))
            else:
                s["trailers"] = hs
            if flags & END_STREAM:
                s["end"] = True
                s["t"] = now
        elif kind == DATA:
            s = self.st(sid)
            if flags & 0x8:
                p = p[1:len(p) - p[0]]
            s["len"] += len(p)
            s["fnv"] = fnv(p, s["fnv"]) if s.get("sum", True) else 0
            if s["len"] <= 65536:
                s["text"] = s.get("text", "") + p.decode("latin1")
            if flags & END_STREAM:
                s["end"] = True
                s["t"] = now

    def peek(self, i):
        """While flooding: every 50 frames, take what the server sent (True: it said GOAWAY)."""
        if i % 50 == 0:
            while self.read_frame(0.0001) is not None:
                pass
        return self.goaway is not None or self.closed

    def done(self, sid):
        s = self.st(sid)
        return s["end"] or s["rst"] is not None

    def run(self, until, timeout):
        end = time.monotonic() + timeout
        while not until() and not self.closed and time.monotonic() < end:
            self.read_frame(min(0.5, max(0.01, end - time.monotonic())))

    def wait(self, secs, stop=lambda: False):
        """Read frames for secs (no longer), or until stop()."""
        end = time.monotonic() + secs
        while not stop() and not self.closed:
            left = end - time.monotonic()
            if left <= 0:
                break
            self.read_frame(left)

    def elapsed(self):
        return round(time.monotonic() - self.t0, 3)

    def over(self):
        return self.goaway is not None or self.closed

    def result(self, **extra):
        out = {"goaway": self.goaway, "goaway_t": self.goaway_t, "closed": self.closed, "end": self.end,
               "streams": {}}
        for sid, s in sorted(self.streams.items()):
            s = dict(s)
            s["fnv"] = "%016x" % s["fnv"]
            out["streams"][str(sid)] = s
        out.update(extra)
        print(json.dumps(out))


def until_all(c, sids):
    return lambda: all(c.done(x) for x in sids)


def main():
    port, mode, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    if mode == "get":
        # get PATH... : one stream per path, all at once; wait for every answer.
        c = Conn(port)
        sids = [1 + 2 * i for i in range(len(args))]
        for sid, path in zip(sids, args):
            c.request(sid, path)
        c.run(until_all(c, sids), 30)
        c.result()
    elif mode == "rst-one":
        # Stream 1 downloads PATH1; stream 3 (PATH2) is reset once stream 1 got data.
        c = Conn(port)
        c.request(1, args[0])
        c.request(3, args[1])
        c.run(lambda: c.st(1)["len"] > 100000, 20)
        c.frame(RST, 0, 3, struct.pack(">I", 8))  # CANCEL
        c.run(until_all(c, [1]), 30)
        # The connection still serves a new stream.
        c.request(5, "/size/10")
        c.run(until_all(c, [5]), 10)
        c.result()
    elif mode == "goaway" or mode == "tcp-reset":
        # Open streams (PATHS), wait a moment, then GOAWAY and close, or reset the TCP connection.
        c = Conn(port)
        for i, path in enumerate(args):
            c.request(1 + 2 * i, path)
        c.run(lambda: False, 0.3)
        if mode == "goaway":
            c.frame(GOAWAY, 0, 0, struct.pack(">II", 0, 0))
            c.s.close()
        else:
            c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.s.close()
        print(json.dumps({"ok": True}))
    elif mode == "rapid-reset":
        # HEADERS then RST_STREAM, N times, without waiting; then what the server says. With
        # PATH: then (if the connection is still up) one more request, for PATH, and its answer.
        n = int(args[0])
        then = args[1] if len(args) > 1 else None
        c = Conn(port)
        sent = 0
        try:
            for i in range(n):
                sid = 1 + 2 * i
                c.request(sid, "/slow/200")
                c.frame(RST, 0, sid, struct.pack(">I", 8))
                sent += 1
                if c.peek(i):
                    break
        except OSError:
            pass
        if then is not None:
            c.streams = {}
            last = 1 + 2 * n
            if not c.over():
                c.request(last, then)
                c.run(lambda: c.done(last) or c.over(), 10)
            # Anything the server says after the answer (a GOAWAY would come at once).
            c.run(lambda: c.over(), 0.5)
            c.streams = {k: v for k, v in c.streams.items() if k == last}
            c.result(sent=sent)
            return
        c.run(lambda: c.goaway is not None, 10)
        c.run(lambda: False, 1)
        c.result(sent=sent, streams={})
    elif mode == "continuation":
        # HEADERS without END_HEADERS, then N CONTINUATION frames that never end the block.
        n = int(args[0])
        size = int(args[1])
        c = Conn(port)
        # Our ACK of the server's SETTINGS must not come inside the block (that would be a
        # PROTOCOL_ERROR of ours, not the flood's verdict): take the SETTINGS first.
        c.run(lambda: c.settings, 5)
        block = c.enc.encode([(":method", "GET"), (":scheme", "https"),
                              (":authority", "example.com"), (":path", "/size/10")])
        c.frame(HEADERS, END_STREAM, 1, block)
        sent = 0
        try:
            for i in range(n):
                c.frame(CONT, 0, 1, b"\x40\x01x\x01y" * (size // 5))
                sent += 1
                if c.peek(i):
                    break
        except OSError:
            pass
        c.run(lambda: c.goaway is not None, 10)
        c.result(sent=sent)
    elif mode == "hpack-bomb":
        # One big field added to the dynamic table, then referenced R times per request.
        value, refs = int(args[0]), int(args[1])
        c = Conn(port)
        base = c.enc.encode([(":method", "GET"), (":scheme", "https"),
                             (":authority", "example.com"), (":path", "/size/10")])
        name = b"x-bomb"
        lit = b"\x40" + bytes([len(name)]) + name
        # value length as an HPACK integer with a 7-bit prefix (no Huffman)
        v = value
        if v < 127:
            lit += bytes([v])
        else:
            lit += b"\x7f"
            v -= 127
            while v >= 128:
                lit += bytes([(v & 0x7F) | 0x80])
                v >>= 7
            lit += bytes([v])
        lit += b"a" * value
        block = base + lit + b"\xbe" * refs  # 0xbe: indexed field 62 (the newest entry)
        c.frame(HEADERS, END_HEADERS | END_STREAM, 1, block[:16384])
        if len(block) > 16384:
            raise SystemExit("block too big for one frame")
        c.run(until_all(c, [1]), 10)
        # The table the server decoded with must still agree with ours: a normal request after.
        if c.goaway is None and not c.closed:
            c.enc.header_table.add(b"x-bomb", b"a" * value)  # what the bomb block indexed
            c.request(3, "/size/10")
            c.run(until_all(c, [3]), 10)
        c.result(block=len(block))
    elif mode == "flood":
        # KIND (settings|ping|priority) N frames, then what the server says. "blind": never
        # read while sending, 2 ms between frames (SENT: how many, and the error that stopped it);
        kind, n = args[0], int(args[1])
        c = Conn(port)
        sent = 0
        try:
            for i in range(n):
                if kind == "settings":
                    c.frame(SETTINGS, 0, 0)
                elif kind == "ping":
                    c.frame(PING, 0, 0, struct.pack(">Q", i))
                else:
                    c.frame(PRIORITY, 0, 1 + 2 * i, struct.pack(">IB", 0, 15))
                sent += 1
                if "blind" in args[2:]:
                    time.sleep(0.002)
                elif c.peek(i):
                    break
        except OSError as e:
            sent = "%d then %s" % (sent, e)
        c.run(lambda: c.goaway is not None, 10)
        c.result(sent=sent)
    elif mode == "burst-close":
        # N PINGs and a TLS close_notify, all in one TCP write right after the handshake: the
        # server finds the flood and, in the same read burst, the end of the connection. Then
        # what it sends until it closes (5 s at most).
        n = int(args[0])
        raw = socket.create_connection(("127.0.0.1", port), timeout=5)
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = tls_context().wrap_bio(inc, out, server_hostname="example.com")
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                raw.sendall(out.read())
                inc.write(raw.recv(1 << 16))
        raw.sendall(out.read())
        tls.write(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame_bytes(SETTINGS, 0, 0))
        for i in range(n):
            tls.write(frame_bytes(PING, 0, 0, struct.pack(">Q", i)))
        try:
            tls.unwrap()
        except ssl.SSLWantReadError:
            pass
        raw.sendall(out.read())
        plain, end = b"", "timeout"
        try:
            while True:
                d = raw.recv(1 << 16)
                if not d:
                    end = "closed"
                    break
                inc.write(d)
                try:
                    while True:
                        plain += tls.read(1 << 16)
                except ssl.SSLWantReadError:
                    pass
        except ssl.SSLZeroReturnError:
            end = "close_notify"
        except OSError as e:
            end = type(e).__name__
        goaway = None
        while len(plain) >= 9:
            n = int.from_bytes(plain[:3], "big")
            if plain[3] == GOAWAY and len(plain) >= 17:
                goaway = int.from_bytes(plain[13:17], "big")
            plain = plain[9 + n:]
        print(json.dumps({"goaway": goaway, "end": end}))
    elif mode == "zero-window":
        # Initial window 0: the server can send headers but no DATA; it must give up on its own.
        c = Conn(port, window=0)
        c.request(1, args[0])
        c.run(until_all(c, [1]), float(args[1]))
        c.run(lambda: c.closed or c.goaway is not None, float(args[1]))
        c.result(elapsed=round(time.monotonic() - c.t0, 3))
    elif mode == "zero-conn-window":
        # Stream windows open, the connection's window never updated past its first 65535 bytes.
        c = Conn(port, conn_window=False)
        c.request(1, args[0])
        c.run(until_all(c, [1]), float(args[1]))
        c.result(elapsed=c.elapsed())
    elif mode == "spaced":
        # GAP_MS N: N requests (/size/10) on one connection, one GAP_MS after the answer to the
        # last; then up to 10 s for the server's GOAWAY (goaway_t: when it came), and up to 5 s
        # more for its close ("end").
        gap, n = int(args[0]) / 1000, int(args[1])
        c = Conn(port)
        for i in range(n):
            if c.over():
                break
            sid = 1 + 2 * i
            c.request(sid, "/size/10")
            c.run(until_all(c, [sid]), 10)
            if i + 1 < n:
                c.wait(gap)
        c.run(c.over, 10)
        c.run(lambda: c.closed, 5)
        c.result()
    elif mode == "trickle":
        # SIZE GAP_MS: POST /echo with content-length SIZE, its body 100 bytes every GAP_MS,
        # until the server answers or resets the stream (or 15 s); "sent": the bytes sent.
        size, gap = int(args[0]), int(args[1]) / 1000
        c = Conn(port)
        c.request(1, "/echo", method="POST", end=False, extra=[("content-length", str(size))])
        sent = 0
        end = time.monotonic() + 15
        try:
            while sent < size and not c.done(1) and not c.over() and time.monotonic() < end:
                n = min(100, size - sent)
                c.frame(DATA, END_STREAM if sent + n >= size else 0, 1, b"t" * n)
                sent += n
                c.wait(gap, lambda: c.done(1))
        except OSError:
            pass
        c.run(until_all(c, [1]), 10)
        c.result(sent=sent)
    elif mode == "upload":
        # POST /echo, SIZE bytes (at most one initial window) in 16 KB DATA frames, declared
        # content-length CL ("-": none), extra fields NAME=VALUE, and "trailers" to end with a
        # trailer HEADERS frame or "empty-end" with an empty DATA frame (END_STREAM); "wait-100":
        # the body only after an interim response (or 5 s); "ping-body": the body is made of
        # 9-byte PING frame headers (what a frame tap that lost its place would count).
        size, cl = int(args[0]), args[1]
        flags = ("trailers", "empty-end", "wait-100", "ping-body")
        extra = [tuple(a.split("=", 1)) for a in args[2:] if a not in flags]
        trailers = "trailers" in args[2:]
        empty_end = "empty-end" in args[2:]
        wait_100 = "wait-100" in args[2:]
        c = Conn(port)
        hdrs = list(extra)
        if cl != "-":
            hdrs.append(("content-length", cl))
        c.request(1, "/echo", method="POST", end=False, extra=hdrs)
        if wait_100:
            c.wait(5, lambda: c.st(1)["interim"] or c.done(1))
            c.st(1)["waited"] = c.elapsed()
        body = bytes((i * 31 + 7) % 251 for i in range(size))
        if "ping-body" in args[2:]:
            body = (bytes([0, 0, 0, PING, 0, 0, 0, 0, 0]) * (size // 9 + 1))[:size]
        assert size <= 65535, "within the initial windows"
        off = 0
        try:
            while off < len(body) and not c.done(1):
                chunk = body[off:off + 16384]
                last = off + len(chunk) >= len(body) and not trailers and not empty_end
                c.frame(DATA, END_STREAM if last else 0, 1, chunk)
                off += len(chunk)
            if trailers and not c.done(1):
                c.frame(HEADERS, END_HEADERS | END_STREAM, 1, c.enc.encode([("x-trailer", "t1")]))
            if (len(body) == 0 and not trailers or empty_end) and not c.done(1):
                c.frame(DATA, END_STREAM, 1)
        except OSError:
            pass
        c.run(until_all(c, [1]), 20)
        c.result(sent_fnv="%016x" % fnv(body))
    elif mode == "slow-window":
        # WHERE (stream|conn) PATH: a download fed by 1-byte WINDOW_UPDATEs every
        # 10 ms, on its stream (initial window 0) or on the connection (its 65535 bytes used up
        # first), until the server resets the stream or the connection, or 5 s. "calm_after": from
        # the first update to that. A stream reset is followed by a request on the same
        # connection (with windows opened again).
        where = args[0]
        c = Conn(port, window=0) if where == "stream" else Conn(port, conn_window=False)
        c.request(1, args[1])
        if where == "stream":
            c.run(lambda: c.st(1)["status"] is not None, 10)
        else:
            c.run(lambda: c.st(1)["len"] >= 65535, 10)
        sid = 1 if where == "stream" else 0
        first = time.monotonic()
        updates, at = 0, first
        try:
            while not c.done(1) and not c.over() and time.monotonic() < first + 5:
                now = time.monotonic()
                if now >= at:
                    c.frame(WINDOW, 0, sid, struct.pack(">I", 1))
                    updates += 1
                    at += 0.01
                else:
                    c.read_frame(at - now)
        except OSError:
            pass
        calm_after = round(time.monotonic() - first, 3)
        if c.st(1)["rst"] is not None and not c.over():
            c.frame(SETTINGS, 0, 0, struct.pack(">HI", 4, 65535))
            c.request(3, "/size/10")
            c.run(until_all(c, [3]), 10)
        else:
            c.run(lambda: c.over(), 3)
        c.result(calm_after=calm_after, updates=updates)
    elif mode == "avg-window":
        # INC N MORE PATH: PATH on stream 1 (initial window 0), then N WINDOW_UPDATEs of INC on
        # it at once; read 1.5 s or until it is reset. Then MORE further updates of INC on it
        # (after a reset too: a client may still send them) and 1 s of reading. Then both windows
        # opened wide (stream 1 may finish) and /size/10 on stream 3.
        inc, n, more, path = int(args[0]), int(args[1]), int(args[2]), args[3]
        c = Conn(port, window=0)
        c.request(1, path)
        c.run(lambda: c.st(1)["status"] is not None or c.done(1), 10)
        try:
            for _ in range(n):
                c.frame(WINDOW, 0, 1, struct.pack(">I", inc))
            c.run(lambda: c.done(1), 1.5)
            rst_before_more = c.st(1)["rst"]
            for _ in range(more):
                c.frame(WINDOW, 0, 1, struct.pack(">I", inc))
            c.wait(1.0, c.over)
            if not c.over():
                big = (1 << 31) - 1
                c.frame(WINDOW, 0, 0, struct.pack(">I", big - 65535))
                if c.st(1)["rst"] is None:
                    c.frame(WINDOW, 0, 1, struct.pack(">I", 1 << 24))
                c.frame(SETTINGS, 0, 0, struct.pack(">HI", 4, 65535))
                c.request(3, "/size/10")
                c.run(until_all(c, [1, 3]), 10)
        except OSError:
            rst_before_more = c.st(1)["rst"]
        c.st(1).pop("text", None)
        c.result(rst_before_more=rst_before_more)
    elif mode == "zero-increment":
        # WHERE (conn|stream): four WINDOW_UPDATEs of 1,000 on the connection or on stream 1 (a
        # download held by its window 0), then one of 0 (RFC 9113 6.9: PROTOCOL_ERROR); read 2 s
        # or until the connection ends.
        where = args[0]
        c = Conn(port, window=0)
        c.request(1, "/size/10000000")
        c.run(lambda: c.st(1)["status"] is not None or c.done(1), 10)
        sid = 0 if where == "conn" else 1
        try:
            for _ in range(4):
                c.frame(WINDOW, 0, sid, struct.pack(">I", 1000))
            c.frame(WINDOW, 0, sid, struct.pack(">I", 0))
            c.wait(2.0, c.over)
        except OSError:
            pass
        c.st(1).pop("text", None)
        c.result()
    elif mode == "evict-window":
        # FILLERS PATH: PATH on stream 1 (initial window 0) and one WINDOW_UPDATE of 1000 on it;
        # then FILLERS streams of /size/0 (no DATA to wait for), answered, and one update of 1000
        # on each of them (closed by then); then four more updates of 1000 on stream 1, whose
        # last five now average 1000; read 2 s or until stream 1 is reset.
        fillers, path = int(args[0]), args[1]
        c = Conn(port, window=0)
        c.request(1, path)
        c.run(lambda: c.st(1)["status"] is not None or c.done(1), 10)
        one = struct.pack(">I", 1000)
        c.frame(WINDOW, 0, 1, one)
        sids = [3 + 2 * i for i in range(fillers)]
        for at in range(0, fillers, 50):
            batch = sids[at:at + 50]
            for sid in batch:
                c.request(sid, "/size/0")
            c.run(until_all(c, batch), 20)
        answered = sum(1 for sid in sids if c.st(sid)["end"])
        for sid in sids:
            c.frame(WINDOW, 0, sid, one)
        for _ in range(4):
            c.frame(WINDOW, 0, 1, one)
        c.run(lambda: c.done(1) or c.over(), 2)
        c.st(1).pop("text", None)
        c.result(answered=answered, streams={"1": c.st(1)})
    elif mode == "hdr-stall":
        # A header block never finished: HOW "open" (HEADERS without END_HEADERS, then silence),
        # "drip" (then a CONTINUATION without END_HEADERS every 300 ms) or "partial" (a HEADERS
        # frame cut short), "split" (HEADERS, then a CONTINUATION with END_HEADERS: finished;
        # after WAIT s, /size/10 on stream 3) or "split-empty" (the same, the CONTINUATION
        # empty); then what the server says within WAIT s. "noack": the server's SETTINGS are
        # never acknowledged.
        how, wait = args[0], float(args[1])
        c = Conn(port, ack="noack" not in args[2:])
        # Our ACK of the server's SETTINGS must not come inside the block (PROTOCOL_ERROR).
        c.run(lambda: c.settings, 5)
        block = c.enc.encode([(":method", "GET"), (":scheme", "https"),
                              (":authority", "example.com"), (":path", "/size/10")])
        if how == "partial":
            head = struct.pack(">I", len(block) + 100)[1:] + bytes([HEADERS, END_HEADERS | END_STREAM])
            c.s.sendall(head + struct.pack(">I", 1) + block)
        elif how == "split":
            c.frame(HEADERS, END_STREAM, 1, block[:3])
            c.frame(CONT, END_HEADERS, 1, block[3:])
        elif how == "split-empty":
            c.frame(HEADERS, END_STREAM, 1, block)
            c.frame(CONT, END_HEADERS, 1, b"")
        else:
            c.frame(HEADERS, END_STREAM, 1, block)
        end = time.monotonic() + wait
        drips = 0
        try:
            while not c.over() and time.monotonic() < end:
                if how == "drip":
                    c.run(lambda: False, 0.3)
                    if not c.over():
                        c.frame(CONT, 0, 1, b"\x40\x01x\x01y")
                        drips += 1
                else:
                    c.read_frame(0.2)
        except OSError:
            pass
        if how.startswith("split") and not c.over():
            c.request(3, "/size/10")
            c.run(until_all(c, [3]), 10)
        c.result(elapsed=c.elapsed(), drips=drips)
    elif mode == "no-ack":
        # N requests one after the other, INTERVAL s apart, never acknowledging the server's
        # SETTINGS; stops when the server cuts the connection.
        n, interval = int(args[0]), float(args[1])
        c = Conn(port, ack=False)
        answered = 0
        try:
            for i in range(n):
                sid = 1 + 2 * i
                c.request(sid, "/size/10")
                c.run(lambda: c.done(sid), 5)
                if c.st(sid)["end"]:
                    answered += 1
                if c.over():
                    break
                c.run(lambda: False, interval)
                if c.over():
                    break
        except OSError:
            pass
        c.run(lambda: c.over(), 3)
        c.result(answered=answered, elapsed=c.elapsed(), streams={})
    elif mode == "cancel":
        # HOW (rst|tcp-reset) N PATH HOLD: N streams for PATH; "open" on stdout; at a line on
        # stdin every stream is reset (RST_STREAM CANCEL; the connection then stays open HOLD s,
        # read) or the TCP connection is reset.
        how, n, path, hold = args[0], int(args[1]), args[2], float(args[3])
        c = Conn(port)
        sids = [1 + 2 * i for i in range(n)]
        for sid in sids:
            c.request(sid, path)
        print("open", flush=True)
        sys.stdin.readline()
        if how == "rst":
            for sid in sids:
                c.frame(RST, 0, sid, struct.pack(">I", 8))  # CANCEL
            c.run(lambda: False, hold)
            c.result()
        else:
            c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.s.close()
            print(json.dumps({"ok": True}))
    else:
        raise SystemExit("unknown mode " + mode)


if __name__ == "__main__":
    main()
