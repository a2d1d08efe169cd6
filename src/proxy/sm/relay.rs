//! The response body's way to the client: as the origin sends it ([`plain`]), or through a
//! plugin's transforms (`super::transform::relay`); how it ended ([`Relayed`]).
#![forbid(unsafe_code)]

use super::*;

/// How relaying a response body ended.
pub(crate) enum Relayed {
    /// The client has the whole body: the trailers to finish with, and whether the origin's body
    /// was read to its end (else its connection is not kept).
    Done {
        trailers: Vec<(Vec<u8>, Vec<u8>)>,
        origin_read: bool,
    },
    /// The origin's body failed midway (why).
    OriginFailed(String),
    /// The client is gone.
    ClientGone,
}

/// Relay the origin's body to the client as it comes.
pub(super) async fn plain<C: ClientIo>(
    client: &mut C,
    origin: &mut super::super::origin::OriginConn,
    mut reader: BodyReader,
) -> Relayed {
    loop {
        // The head (queued) goes out with the first body piece if it is already here; else now.
        if origin.buf.is_empty() && client.push().await.is_err() {
            return Relayed::ClientGone;
        }
        let Some(next) = unless_gone(client, pin!(reader.next(origin))).await else {
            return Relayed::ClientGone;
        };
        match next {
            Ok(Some(piece)) => {
                origin.resp_body += piece.len() as u64;
                if client.send_body(&piece).await.is_err() {
                    return Relayed::ClientGone;
                }
            }
            Ok(None) => {
                return Relayed::Done {
                    trailers: reader.trailers,
                    origin_read: true,
                }
            }
            Err(e) => return Relayed::OriginFailed(format!("{e:?}")),
        }
    }
}

/// How sending the response to the client ended.
pub(super) enum Delivered {
    /// The client has it all; `origin_read`: the origin's body was read to its end.
    Done { origin_read: bool },
    /// The origin's body failed midway: the client's response was aborted.
    OriginFailed,
    /// The client is gone.
    ClientGone,
}

/// Send the response to the client: its head, then its body, as the origin sends it or through
/// the transforms `running`, then its end.
pub(super) async fn deliver<C: ClientIo>(
    client: &mut C,
    txn: &Txn,
    head: (&MBuffer, Framing),
    running: Option<Box<super::transform::Running>>,
    origin: &mut super::super::origin::OriginConn,
    resp_framing: Framing,
) -> Delivered {
    // Each write to the client within its limit (the connection's, or the HTTP/2 stream's): a
    // client that does not take its response in time is let go.
    txn.milestones.stamp_once(ms::UA_BEGIN_WRITE);
    match client.send_head(head.0, head.1).await {
        Ok(n) => txn.wire.client_resp_hdr.store(n as i64, Ordering::Relaxed),
        Err(_) => return Delivered::ClientGone,
    }
    let relayed = if let Some(run) = running {
        Box::pin((*run).finish(client, origin)).await
    } else {
        plain(client, origin, BodyReader::new(resp_framing)).await
    };
    txn.wire
        .server_resp_body
        .store(origin.resp_body as i64, Ordering::Relaxed);
    match relayed {
        Relayed::ClientGone => Delivered::ClientGone,
        Relayed::OriginFailed(e) => {
            // The origin died mid-response, or stalled past its limit: the client cannot get a
            // complete response. ATS counts it as an aborted transaction (TSHttpTxnAborted at
            // TXN_CLOSE).
            crate::debug!("http", "transaction {}: origin body: {e}", txn.id);
            txn.aborted.store(true, Ordering::Release);
            client.abort().await;
            Delivered::OriginFailed
        }
        Relayed::Done {
            trailers,
            origin_read,
        } => match client.finish(&trailers).await {
            Ok(()) => Delivered::Done { origin_read },
            Err(_) => Delivered::ClientGone,
        },
    }
}
