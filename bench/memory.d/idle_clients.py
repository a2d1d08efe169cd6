#!/usr/bin/env python3
"""Open N idle keep-alive HTTP/1.1 connections to a proxy and measure its resident memory.

Usage: idle_clients.py --pid PID[,PID...] --port PORT [--tls] [--n N] [--host HOST] [--path PATH]
                       [--concurrency C] [--settle S]

Each connection is opened (TLS: handshake with ALPN http/1.1, no resumption), sends one request
(`GET PATH`, Host HOST) and reads the whole response (Content-Length), then stays open and idle.
The proxy's VmRSS (/proc/PID/status; summed over several PIDs, e.g. nginx's workers) is read before the first connection and, once all are open,
every second until it settles (two readings within 1%, at least SETTLE s). Then every socket is
checked: still open (no EOF/RDHUP from the proxy, asyncio has not seen it close). Prints one
`key=value` line per result (rss_before_kib, rss_after_kib, open, closed, failed, per_conn_kib,
...), and exits 1 if any connection failed or was closed by the proxy.
"""

import argparse
import asyncio
import select
import ssl
import sys
import time


def vm_rss_kib(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            total += next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    return total


async def one(host, port, sslctx, request, sem, conns, failures):
    async with sem:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    host, port, ssl=sslctx, server_hostname="bench" if sslctx else None
                ),
                30,
            )
            writer.write(request)
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            status = head.split(b" ", 2)[1]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if length:
                await asyncio.wait_for(reader.readexactly(length), 30)
            if status != b"200" or b"connection: close" in head.lower():
                failures.append(f"status {status!r} / not keep-alive: {head[:200]!r}")
                writer.close()
                return
            conns.append((reader, writer))
        except Exception as e:  # noqa: BLE001 - counted and reported
            failures.append(repr(e))


def still_open(reader, writer):
    """Open: asyncio saw no EOF and the kernel reports no pending EOF/hang-up on the socket."""
    if reader.at_eof() or writer.is_closing():
        return False
    sock = writer.get_extra_info("socket")
    if sock is None or sock.fileno() < 0:
        return False
    p = select.poll()
    p.register(sock.fileno(), select.POLLIN | select.POLLRDHUP | select.POLLHUP | select.POLLERR)
    for _, ev in p.poll(0):
        if ev & (select.POLLRDHUP | select.POLLHUP | select.POLLERR):
            return False
    return True


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", required=True, help="PID, or PIDs separated by commas (summed)")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="bench")
    ap.add_argument("--path", default="/size/64")
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--settle", type=float, default=5.0)
    a = ap.parse_args()
    pids = [int(p) for p in a.pid.split(",")]

    sslctx = None
    if a.tls:
        sslctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        sslctx.check_hostname = False
        sslctx.verify_mode = ssl.CERT_NONE
        sslctx.set_alpn_protocols(["http/1.1"])
    request = f"GET {a.path} HTTP/1.1\r\nHost: {a.host}\r\n\r\n".encode()

    before = vm_rss_kib(pids)
    print(f"rss_before_kib={before}", flush=True)
    sem = asyncio.Semaphore(a.concurrency)
    conns, failures = [], []
    t0 = time.monotonic()
    await asyncio.gather(
        *(one("127.0.0.1", a.port, sslctx, request, sem, conns, failures) for _ in range(a.n))
    )
    print(f"open_seconds={time.monotonic() - t0:.1f}", flush=True)

    # Settle: RSS readings a second apart until two agree within 1% (at least --settle s).
    t1 = time.monotonic()
    prev = vm_rss_kib(pids)
    while True:
        await asyncio.sleep(1)
        cur = vm_rss_kib(pids)
        if time.monotonic() - t1 >= a.settle and abs(cur - prev) <= prev / 100:
            break
        prev = cur
    after = cur
    is_open = [still_open(r, w) for r, w in conns]
    n_open = sum(is_open)
    n_closed = len(conns) - n_open
    print(f"rss_after_kib={after}")
    print(f"connections_requested={a.n}")
    print(f"connections_open={n_open}")
    print(f"connections_closed_by_proxy={n_closed}")
    print(f"connections_failed={len(failures)}")
    if failures:
        print("first_failure=" + failures[0])
    if n_open:
        print(f"per_conn_kib={(after - before) / n_open:.2f}")
    print(f"total_delta_kib={after - before}", flush=True)
    # Hand over to the caller (it checks the proxy's side) and wait to be told to close.
    print("READY", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    is_open = [still_open(r, w) for r, w in conns]
    print(f"connections_open_at_end={sum(is_open)}", flush=True)
    for _, w in conns:
        w.close()
    sys.exit(1 if failures or n_closed else 0)


asyncio.run(main())
