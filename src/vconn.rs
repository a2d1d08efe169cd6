//! Net VConnections as plugins see them (`TSVConn`): a client connection's addresses, socket,
//! TLS object and user arguments, and its connection hooks (`TS_VCONN_START_HOOK`,
//! `TS_SSL_CLIENT_HELLO_HOOK`, `TS_SSL_SERVERNAME_HOOK`, `TS_SSL_CERT_HOOK`,
//! `TS_SSL_VERIFY_CLIENT_HOOK`, `TS_VCONN_CLOSE_HOOK`) walked as ATS 9.2's SSLNetVConnection
//! walks them.
//!
//! A hook's continuations are called in add order, each with the connection's handle as edata.
//! At the points ATS lets a plugin hold (VCONN_START, CLIENT_HELLO, CERT) a callee that does not
//! reenable inside its callback holds the handshake until `TSVConnReenable`, from any thread, at
//! any later time; the next callee is called after that. At the others (SERVERNAME,
//! VERIFY_CLIENT) a callee that does not reenable at once ends the walk and the handshake goes on,
//! as in ATS. A reenable with `TS_EVENT_ERROR` fails the handshake.
//!
//! The walk keeps its place in the connection ([`VConn::step`]), so the OpenSSL callbacks (which
//! can only say "retry") and the network task (which waits for the reenable) share it.
#![forbid(unsafe_code)]

use std::os::fd::RawFd;
use std::os::raw::c_void;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicPtr, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use socket2::SockAddr;

use crate::cont::Cont;
use crate::hooks::dispatch::{call_connection_hook, Answer, Gate};
use crate::hooks::GLOBAL;
use crate::rt::pool::Pool;
use crate::sys::types::{TSEvent, TSHttpHookID as H};

/// VCONN user argument slots (TS_USER_ARGS_VCONN).
pub const VCONN_ARGS: usize = crate::args::LIMITS[crate::args::VCONN as usize];

/// The hook ids of a client connection, as plain ints.
pub mod hook {
    use super::H;
    pub const VCONN_START: i32 = H::TS_VCONN_START_HOOK as i32;
    pub const VCONN_CLOSE: i32 = H::TS_VCONN_CLOSE_HOOK as i32;
    pub const CLIENT_HELLO: i32 = H::TS_SSL_CLIENT_HELLO_HOOK as i32;
    pub const SERVERNAME: i32 = H::TS_SSL_SERVERNAME_HOOK as i32;
    pub const CERT: i32 = H::TS_SSL_CERT_HOOK as i32;
    pub const VERIFY_CLIENT: i32 = H::TS_SSL_VERIFY_CLIENT_HOOK as i32;
    pub const OUTBOUND_START: i32 = H::TS_VCONN_OUTBOUND_START_HOOK as i32;
    pub const OUTBOUND_CLOSE: i32 = H::TS_VCONN_OUTBOUND_CLOSE_HOOK as i32;
    pub const VERIFY_SERVER: i32 = H::TS_SSL_SERVER_VERIFY_HOOK as i32;
    /// An origin TLS connection's: it fires them when any has a continuation at connect.
    pub const OUTBOUND: [i32; 3] = [OUTBOUND_START, VERIFY_SERVER, OUTBOUND_CLOSE];
    /// All of them: a TLS connection fires its hooks when any has a continuation at accept.
    pub const CLIENT: [i32; 6] = [
        VCONN_START,
        CLIENT_HELLO,
        SERVERNAME,
        CERT,
        VERIFY_CLIENT,
        VCONN_CLOSE,
    ];
}

/// The event a connection hook delivers.
pub fn event_of(hook: i32) -> i32 {
    let e = match hook {
        hook::VCONN_START => TSEvent::TS_EVENT_VCONN_START,
        hook::VCONN_CLOSE => TSEvent::TS_EVENT_VCONN_CLOSE,
        hook::CLIENT_HELLO => TSEvent::TS_EVENT_SSL_CLIENT_HELLO,
        hook::SERVERNAME => TSEvent::TS_EVENT_SSL_SERVERNAME,
        hook::CERT => TSEvent::TS_EVENT_SSL_CERT,
        hook::OUTBOUND_START => TSEvent::TS_EVENT_VCONN_OUTBOUND_START,
        hook::OUTBOUND_CLOSE => TSEvent::TS_EVENT_VCONN_OUTBOUND_CLOSE,
        hook::VERIFY_SERVER => TSEvent::TS_EVENT_SSL_VERIFY_SERVER,
        _ => TSEvent::TS_EVENT_SSL_VERIFY_CLIENT,
    };
    e as i32
}

const TS_EVENT_ERROR: i32 = TSEvent::TS_EVENT_ERROR as i32;

/// Connection ids (for messages).
static NEXT_ID: AtomicI64 = AtomicI64::new(0);

/// Every live TSVConn.
pub static VCONNS: Pool<VConn> = Pool::new();

/// ALPN protocols a connection can stop offering (TSVConnProtocolDisable).
pub mod proto_bit {
    pub const H2: u8 = 1;
    pub const HTTP_1_1: u8 = 2;
}

/// A network connection as plugins see it.
pub struct VConn {
    /// The TSVConn handle given to C.
    pub handle: usize,
    pub id: i64,
    pub gate: Arc<Gate>,
    pub args: [AtomicPtr<c_void>; VCONN_ARGS],
    pub peer: Option<SockAddr>,
    pub local: Option<SockAddr>,
    /// The socket (-1 if none).
    pub fd: RawFd,
    /// A TLS connection (its SSL object is [`VConn::ssl`] while it lives).
    pub tls: bool,
    /// A connection to an origin (its hooks are the OUTBOUND ones).
    pub outbound: bool,
    /// The connection's `SSL *` as an address; 0 before the TLS object exists and after it is
    /// freed.
    ssl: AtomicUsize,
    /// The X509_STORE_CTX of the client certificate being verified (during
    /// TS_SSL_VERIFY_CLIENT_HOOK), else 0.
    verify_ctx: AtomicUsize,
    /// ALPN protocols turned off for this connection ([`proto_bit`]).
    disabled: AtomicU8,
    /// Where the hook walk is.
    walk: Mutex<Walk>,
    /// The connection's hooks fire (VCONN_START or OUTBOUND_START was walked): its close hook
    /// must be.
    started: AtomicBool,
    /// TSVConnTunnel: the connection becomes a blind tunnel (no TLS termination).
    tunnel: AtomicBool,
    closed: AtomicBool,
}

#[derive(Default)]
struct Walk {
    /// The hook being walked, and the index of its next callee.
    hook: i32,
    next: usize,
    /// Hooks walked to their end (bit per hook id).
    done: u32,
    /// The callee holding the walk, if one does.
    held: Option<Arc<Cont>>,
    /// A callee reenabled with TS_EVENT_ERROR.
    failed: bool,
}

/// Where a step of the walk stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Every callee of the hook reenabled.
    Done,
    /// A callee holds it; wait for [`VConn::held`].
    Held,
    /// A callee reenabled with TS_EVENT_ERROR: fail the handshake.
    Failed,
    /// A callee asked for a blind tunnel (TSVConnTunnel): the handshake stops here.
    Tunnel,
}

impl VConn {
    /// A new connection handle. `ssl` is the `SSL *` of a TLS connection (0 for a plain one or
    /// one whose TLS object comes later, [`VConn::set_ssl`]).
    pub fn create(
        peer: Option<SockAddr>,
        local: Option<SockAddr>,
        fd: RawFd,
        tls: bool,
        ssl: usize,
    ) -> Arc<VConn> {
        Self::make(peer, local, fd, tls, ssl, false)
    }

    /// A TLS connection to an origin.
    pub fn create_outbound(
        peer: Option<SockAddr>,
        local: Option<SockAddr>,
        fd: RawFd,
        ssl: usize,
    ) -> Arc<VConn> {
        Self::make(peer, local, fd, true, ssl, true)
    }

    fn make(
        peer: Option<SockAddr>,
        local: Option<SockAddr>,
        fd: RawFd,
        tls: bool,
        ssl: usize,
        outbound: bool,
    ) -> Arc<VConn> {
        VCONNS
            .insert(|handle| VConn {
                handle,
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                gate: Arc::new(Gate::default()),
                args: Default::default(),
                peer,
                local,
                fd,
                tls,
                outbound,
                ssl: AtomicUsize::new(ssl),
                verify_ctx: AtomicUsize::new(0),
                disabled: AtomicU8::new(0),
                walk: Mutex::new(Walk::default()),
                started: AtomicBool::new(false),
                tunnel: AtomicBool::new(false),
                closed: AtomicBool::new(false),
            })
            .1
    }

    /// Do any of the client connection hooks have a continuation? (A TLS connection accepted
    /// when none does fires none of them.)
    pub fn hooks_wanted() -> bool {
        hook::CLIENT.iter().any(|h| GLOBAL.has(*h))
    }

    /// Do any of an origin connection's hooks have a continuation?
    pub fn outbound_hooks_wanted() -> bool {
        hook::OUTBOUND.iter().any(|h| GLOBAL.has(*h))
    }

    /// The connection's hooks fire from now on: its close hook will, once (even with no
    /// VCONN_START continuation: ATS fires VCONN_CLOSE for every TLS connection).
    pub fn begin_hooks(&self) {
        self.started.store(true, Ordering::Release);
    }

    /// The `SSL *` (0: none, or freed).
    pub fn ssl(&self) -> usize {
        self.ssl.load(Ordering::Acquire)
    }

    pub fn set_ssl(&self, ssl: usize) {
        self.ssl.store(ssl, Ordering::Release);
    }

    /// TSVConnSslVerifyCTXGet's answer (0: none).
    pub fn verify_ctx(&self) -> usize {
        self.verify_ctx.load(Ordering::Acquire)
    }

    pub fn set_verify_ctx(&self, ctx: usize) {
        self.verify_ctx.store(ctx, Ordering::Release);
    }

    /// Is ALPN protocol `bit` turned off for this connection?
    pub fn is_disabled(&self, bit: u8) -> bool {
        self.disabled.load(Ordering::Acquire) & bit != 0
    }

    pub fn set_disabled(&self, bit: u8, off: bool) {
        if off {
            self.disabled.fetch_or(bit, Ordering::AcqRel);
        } else {
            self.disabled.fetch_and(!bit, Ordering::AcqRel);
        }
    }

    /// TSVConnTunnel: turn the connection into a blind tunnel when the current hook returns.
    pub fn request_tunnel(&self) {
        self.tunnel.store(true, Ordering::Release);
    }

    pub fn tunnel_requested(&self) -> bool {
        self.tunnel.load(Ordering::Acquire)
    }

    pub fn closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Has a callee failed the handshake?
    pub fn failed(&self) -> bool {
        self.walk.lock().failed
    }

    /// Fail the handshake (a reenable with TS_EVENT_ERROR seen elsewhere).
    pub fn fail(&self) {
        self.walk.lock().failed = true;
    }

    /// Call the callees of `hook` from where the walk is, until one holds it or the list ends.
    /// Calling it again after the list ended (OpenSSL calls its callback again after a retry)
    /// calls nobody.
    pub fn step(&self, hook: i32) -> Step {
        loop {
            if self.tunnel_requested() {
                return Step::Tunnel;
            }
            let cont = {
                let mut w = self.walk.lock();
                let end = if w.failed { Step::Failed } else { Step::Done };
                if w.done & (1 << hook) != 0 {
                    return end;
                }
                if w.held.is_some() {
                    return Step::Held;
                }
                if w.hook != hook {
                    (w.hook, w.next) = (hook, 0);
                }
                match GLOBAL.get(hook, w.next) {
                    Some(c) => {
                        w.next += 1;
                        c
                    }
                    None => {
                        w.done |= 1 << hook;
                        return end;
                    }
                }
            };
            if cont.is_deleted() {
                continue;
            }
            let answer = call_connection_hook(&self.gate, &cont, hook, event_of(hook), self.handle);
            if self.tunnel_requested() {
                // ATS: the tunnel is taken as the callback returns, reenabled or not.
                return Step::Tunnel;
            }
            match answer {
                // As ATS: the hook's other callees are still called; the handshake fails after.
                Answer::Now(TS_EVENT_ERROR) => self.walk.lock().failed = true,
                Answer::Now(_) => {}
                Answer::Held => {
                    self.walk.lock().held = Some(cont);
                    return Step::Held;
                }
            }
        }
    }

    /// Wait for the reenable of the callee holding the walk; false if it reenabled with
    /// TS_EVENT_ERROR.
    pub async fn held(&self, hook: i32) -> bool {
        let Some(cont) = self.walk.lock().held.clone() else {
            return !self.failed();
        };
        let ev = self
            .gate
            .reenabled(hook, &cont, format!("connection {}", self.id))
            .await;
        let mut w = self.walk.lock();
        w.held = None;
        if ev == TS_EVENT_ERROR {
            w.failed = true;
        }
        !w.failed
    }

    /// Walk `hook` to its end, waiting for every hold (VCONN_START, and the rest of a point whose
    /// callback said "retry"): Done, Failed or Tunnel.
    pub async fn run(&self, hook: i32) -> Step {
        loop {
            match self.step(hook) {
                Step::Held => {
                    // A failure is remembered; the hook's other callees are still called.
                    self.held(hook).await;
                }
                other => return other,
            }
        }
    }

    /// The walk of a point where a plugin cannot hold the handshake (SERVERNAME, VERIFY_CLIENT):
    /// the callees in order while each reenables at once; the first that does not ends the walk
    /// and the handshake goes on (ATS). False if one reenabled with TS_EVENT_ERROR (the others
    /// are still called, as ATS calls them).
    pub fn run_sync(&self, hook: i32) -> bool {
        let mut i = 0;
        let mut failed = false;
        while let Some(cont) = GLOBAL.get(hook, i) {
            i += 1;
            if cont.is_deleted() {
                continue;
            }
            let answer = call_connection_hook(&self.gate, &cont, hook, event_of(hook), self.handle);
            if self.tunnel_requested() {
                // Taken at the next holdable point (the certificate callback).
                break;
            }
            match answer {
                Answer::Now(TS_EVENT_ERROR) => failed = true,
                Answer::Now(_) => {}
                Answer::Held => break,
            }
        }
        if failed {
            self.walk.lock().failed = true;
        }
        !failed
    }

    /// The connection closes: VCONN_CLOSE (OUTBOUND_CLOSE for an origin's) to every callee (if its
    /// hooks fire: [`VConn::begin_hooks`]), once. The
    /// callees that reenable at once are called here, while the TLS object still lives; after
    /// one that holds, the rest are called when it reenables, on `rt` (the TLS object gone by
    /// then). The handle is released after the last.
    pub fn close(self: &Arc<Self>, rt: Option<tokio::runtime::Handle>) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        if !self.started.load(Ordering::Acquire) {
            self.set_ssl(0);
            VCONNS.release(self.handle);
            return;
        }
        // A walk left held (the connection died meanwhile) is over.
        {
            let mut w = self.walk.lock();
            w.held = None;
            w.failed = false;
        }
        let close_hook = if self.outbound {
            hook::OUTBOUND_CLOSE
        } else {
            hook::VCONN_CLOSE
        };
        let step = self.step(close_hook);
        self.set_ssl(0);
        if step != Step::Held {
            VCONNS.release(self.handle);
            return;
        }
        let me = self.clone();
        let rest = async move {
            me.held(close_hook).await;
            {
                me.walk.lock().failed = false;
            }
            let _ = me.run(close_hook).await;
            VCONNS.release(me.handle);
        };
        match rt {
            Some(rt) => {
                rt.spawn(rest);
            }
            None => VCONNS.release(self.handle),
        }
    }
}
