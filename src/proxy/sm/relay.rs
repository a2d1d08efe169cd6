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
