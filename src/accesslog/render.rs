//! One transaction's line: each field read from the transaction as it ends (its headers, its
//! session, its milestones) as ATS's LogAccess reads them.
#![forbid(unsafe_code)]

use std::io::Write;

use chrono::TimeZone;
use std::sync::atomic::Ordering;

use super::format::{Field, Piece, Side};
use crate::hdrs::MBuffer;
use crate::txn::milestones::{SM_FINISH, SM_START, UA_BEGIN};
use crate::txn::Txn;

/// What the proxy counted of a transaction that the transaction does not hold.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    /// Response body bytes written to the client.
    pub body_out: u64,
}

fn now_ns() -> i64 {
    crate::txn::milestones::now_ns()
}

fn header(h: &Option<std::sync::Arc<MBuffer>>, name: &[u8]) -> Option<Vec<u8>> {
    h.as_ref()?.with(|h| h.field(name).map(<[u8]>::to_vec))
}

/// Append `txn`'s line (no newline) to `out`.
pub fn line(out: &mut Vec<u8>, pieces: &[Piece], txn: &Txn, counts: Counts) {
    let h = &txn.headers;
    let creq = h.client_req.load_full();
    let sreq = h.server_req.load_full();
    let sresp = h.server_resp.load_full();
    let cresp = h.client_resp.load_full();
    let begin = match txn.milestones.get(UA_BEGIN).unwrap_or(0) {
        0 => now_ns(),
        t => t,
    };
    for p in pieces {
        let f = match p {
            Piece::Text(t) => {
                out.extend_from_slice(t);
                continue;
            }
            Piece::Field(f) => f,
        };
        let dash = |out: &mut Vec<u8>| out.push(b'-');
        match f {
            Field::Cqtq => {
                let ms = begin / 1_000_000;
                let _ = write!(out, "{}.{:03}", ms / 1000, ms % 1000);
            }
            Field::Cqts => {
                let _ = write!(out, "{}", begin / 1_000_000_000);
            }
            Field::Cqtn | Field::Cqtd | Field::Cqtt => {
                let fmt = match f {
                    Field::Cqtn => "%d/%b/%Y:%H:%M:%S %z",
                    Field::Cqtd => "%Y-%m-%d",
                    _ => "%H:%M:%S",
                };
                match chrono::Local
                    .timestamp_opt(begin / 1_000_000_000, 0)
                    .earliest()
                {
                    Some(t) => {
                        let _ = write!(out, "{}", t.format(fmt));
                    }
                    None => dash(out),
                }
            }
            Field::Cqtx => match &creq {
                Some(r) => r.with(|h| {
                    out.extend_from_slice(h.method());
                    out.push(b' ');
                    out.extend_from_slice(&h.url().to_bytes());
                    let (a, b) = h.version();
                    let _ = write!(out, " HTTP/{a}.{b}");
                }),
                None => dash(out),
            },
            Field::Chi => match &txn.ssn.client.client_ip {
                Some(ip) => out.extend_from_slice(ip),
                None => out.extend_from_slice(b"0.0.0.0"),
            },
            Field::Caun => dash(out),
            Field::Cqhm => match &creq {
                Some(r) => r.with(|h| out.extend_from_slice(h.method())),
                None => dash(out),
            },
            Field::Cqu | Field::Cquc => match &creq {
                Some(r) => {
                    let url = r.with(|h| h.url().to_bytes());
                    if *f == Field::Cquc {
                        let mut dst = vec![0u8; url.len() * 3 + 1];
                        match crate::util::codec::percent_encode(
                            &url,
                            &mut dst,
                            &crate::util::codec::DEFAULT_ESCAPE_MAP,
                        ) {
                            Some(n) => out.extend_from_slice(&dst[..n]),
                            None => out.extend_from_slice(&url),
                        }
                    } else {
                        out.extend_from_slice(&url);
                    }
                }
                None => dash(out),
            },
            Field::Cqup => match &creq {
                Some(r) => r.with(|h| out.extend_from_slice(h.url().path())),
                None => dash(out),
            },
            Field::Cqhv => match &creq {
                Some(r) => {
                    let (a, b) = r.with(|h| h.version());
                    let _ = write!(out, "HTTP/{a}.{b}");
                }
                None => out.extend_from_slice(b"HTTP/0.0"),
            },
            Field::Pssc => {
                let s = cresp.as_ref().map_or(0, |r| r.with(|h| h.status()));
                let _ = write!(out, "{s}");
            }
            Field::Sssc => {
                let s = sresp.as_ref().map_or(0, |r| r.with(|h| h.status()));
                let _ = write!(out, "{s}");
            }
            Field::Psql => {
                let head = cresp.as_ref().map_or(0, |r| {
                    let mut v = Vec::new();
                    r.with(|h| h.write_response(&mut v));
                    v.len() as u64
                });
                let _ = write!(out, "{}", head + counts.body_out);
            }
            Field::Pscl => {
                let _ = write!(out, "{}", counts.body_out);
            }
            Field::Ttms => {
                let _ = write!(out, "{}", txn_ms(txn));
            }
            Field::Ttmsf => {
                let _ = write!(out, "{:.3}", txn_ms(txn) as f64 / 1000.0);
            }
            Field::Tts => {
                let _ = write!(out, "{}", txn_ms(txn) / 1000);
            }
            Field::Crc => out.extend_from_slice(if txn.connect_failed.load(Ordering::Acquire) {
                b"ERR_CONNECT_FAIL"
            } else if txn.aborted.load(Ordering::Acquire) {
                b"ERR_CLIENT_ABORT"
            } else {
                b"TCP_MISS"
            }),
            Field::Phr => out.extend_from_slice(if server_ip(txn).is_some() {
                b"DIRECT"
            } else {
                b"NONE"
            }),
            Field::Pqsn => match sreq
                .as_ref()
                .and_then(|r| r.with(|h| h.host().map(<[u8]>::to_vec)))
            {
                Some(host) => out.extend_from_slice(&host),
                None => dash(out),
            },
            Field::Shi => match server_ip(txn) {
                Some(ip) => {
                    let _ = write!(out, "{ip}");
                }
                None => out.extend_from_slice(b"0.0.0.0"),
            },
            Field::Psct => match header(&cresp, b"Content-Type") {
                Some(v) => out.extend_from_slice(&v),
                None => dash(out),
            },
            Field::Cqssl => out.push(if txn.ssn.client.tls { b'1' } else { b'0' }),
            Field::Cscert => out.push(if txn.ssn.client.peer_cert { b'1' } else { b'0' }),
            Field::Pscert => {
                let sent = txn
                    .origin
                    .lock()
                    .sent_cert
                    .as_ref()
                    .map_or(0, |s| s.load(Ordering::Relaxed));
                let _ = write!(out, "{sent}");
            }
            Field::Cqtr => out.push(if txn.nth > 0 { b'1' } else { b'0' }),
            Field::Header(side, name) => {
                let hdr = match side {
                    Side::ClientReq => &creq,
                    Side::ProxyReq => &sreq,
                    Side::ServerResp => &sresp,
                    Side::ProxyResp => &cresp,
                };
                match header(hdr, name) {
                    Some(v) => out.extend_from_slice(&v),
                    None => dash(out),
                }
            }
            Field::Unknown(_) => dash(out),
        }
    }
}

/// SM_START to SM_FINISH (now when not stamped), in ms.
fn txn_ms(txn: &Txn) -> i64 {
    let start = txn.milestones.get(SM_START).unwrap_or(0);
    let end = match txn.milestones.get(SM_FINISH).unwrap_or(0) {
        0 => now_ns(),
        t => t,
    };
    if start == 0 {
        0
    } else {
        (end - start).max(0) / 1_000_000
    }
}

/// The origin's address, when one was connected to.
fn server_ip(txn: &Txn) -> Option<std::net::IpAddr> {
    let o = txn.origin.lock();
    o.connected.and(o.next_hop).map(|a| a.ip())
}
