//! A log format (`%<field>` between literal text, as ATS's LogFormat) parsed into pieces once.
//! Fields tshost does not know are logged as `-`; the caller names each once in a WARNING.
#![forbid(unsafe_code)]

/// Whose header a `{Name}xxh` field reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `cqh`: the client's request.
    ClientReq,
    /// `pqh`: the request tshost sent to the origin.
    ProxyReq,
    /// `ssh`: the origin's response.
    ServerResp,
    /// `psh`: the response tshost sent to the client.
    ProxyResp,
}

/// The fields tshost writes (ATS's symbols in proxy/logging/Log.cc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// `cqtq`: the client request's time, seconds.milliseconds.
    Cqtq,
    /// `cqts`: the same in seconds.
    Cqts,
    /// `cqtn`, `cqtd`, `cqtt`: the same as local `07/Dec/2026:14:58:00 +0000`, `2026-12-07`,
    /// `14:58:00` (LogUtils's timestamp_to_netscape_str, _date_str, _time_str).
    Cqtn,
    Cqtd,
    Cqtt,
    /// `cqtx`: `METHOD URL HTTP/x.y`.
    Cqtx,
    /// `chi`: the client's IP address.
    Chi,
    /// `caun`: the authenticated user (never: `-`).
    Caun,
    /// `cqhm`: the request method.
    Cqhm,
    /// `cqu`, `cquc`: the request URL (after remap), and escaped (canonical).
    Cqu,
    Cquc,
    /// `cqup`: its path (ATS's path_get: no leading slash).
    Cqup,
    /// `cqhv`: `HTTP/1.1`.
    Cqhv,
    /// `pssc`, `sssc`: the status to the client, the origin's (0 without one).
    Pssc,
    Sssc,
    /// `psql`: bytes sent to the client (head and body), `pscl`: body bytes.
    Psql,
    Pscl,
    /// `ttms`: the transaction's time in ms; `ttmsf` in seconds with 3 decimals; `tts` seconds.
    Ttms,
    Ttmsf,
    Tts,
    /// `crc`: the cache result code (no cache: TCP_MISS, or ERR_*).
    Crc,
    /// `phr`: the hierarchy route (DIRECT when an origin was reached, else NONE).
    Phr,
    /// `pqsn`, `shn`: the origin's host name.
    Pqsn,
    /// `shi`: the origin's IP address.
    Shi,
    /// `psct`: the response's Content-Type.
    Psct,
    /// `cqssl`: the client used TLS (1/0); `cqtr`: not the session's first transaction (1/0).
    Cqssl,
    Cqtr,
    /// `cscert`: the TLS client sent a certificate (1/0).
    Cscert,
    /// `pscert`: whether tshost sent a certificate to the origin: 0 no TLS origin or not asked,
    /// 1 asked without one, 2 sent.
    Pscert,
    /// `{Name}cqh` & co: a header field's value.
    Header(Side, Vec<u8>),
    /// A field tshost does not write: `-`.
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(Vec<u8>),
    Field(Field),
}

fn field(sym: &str) -> Field {
    if let Some(rest) = sym.strip_prefix('{') {
        if let Some((name, kind)) = rest.split_once('}') {
            let side = match kind {
                "cqh" => Some(Side::ClientReq),
                "pqh" => Some(Side::ProxyReq),
                "ssh" => Some(Side::ServerResp),
                "psh" => Some(Side::ProxyResp),
                _ => None,
            };
            if let Some(side) = side {
                return Field::Header(side, name.as_bytes().to_vec());
            }
        }
        return Field::Unknown(sym.to_string());
    }
    match sym {
        "cqtq" => Field::Cqtq,
        "cqts" => Field::Cqts,
        "cqtn" => Field::Cqtn,
        "cqtd" => Field::Cqtd,
        "cqtt" => Field::Cqtt,
        "cqtx" => Field::Cqtx,
        "ttmsf" => Field::Ttmsf,
        "tts" => Field::Tts,
        "chi" => Field::Chi,
        "caun" => Field::Caun,
        "cqhm" => Field::Cqhm,
        "cqu" => Field::Cqu,
        "cquc" => Field::Cquc,
        "cqup" => Field::Cqup,
        "cqhv" => Field::Cqhv,
        "pssc" => Field::Pssc,
        "sssc" => Field::Sssc,
        "psql" => Field::Psql,
        "pscl" => Field::Pscl,
        "ttms" => Field::Ttms,
        "crc" => Field::Crc,
        "phr" => Field::Phr,
        "pqsn" | "shn" => Field::Pqsn,
        "shi" => Field::Shi,
        "psct" => Field::Psct,
        "cqssl" => Field::Cqssl,
        "cqtr" => Field::Cqtr,
        "cscert" => Field::Cscert,
        "pscert" => Field::Pscert,
        other => Field::Unknown(other.to_string()),
    }
}

/// The pieces of `format`; a `%<` without its `>` is literal text.
pub fn parse(format: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut text = Vec::new();
    let mut rest = format;
    while let Some(i) = rest.find("%<") {
        let Some(end) = rest[i + 2..].find('>') else {
            break;
        };
        text.extend_from_slice(&rest.as_bytes()[..i]);
        if !text.is_empty() {
            out.push(Piece::Text(std::mem::take(&mut text)));
        }
        out.push(Piece::Field(field(&rest[i + 2..i + 2 + end])));
        rest = &rest[i + 2 + end + 1..];
    }
    text.extend_from_slice(rest.as_bytes());
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    out
}

/// The unknown fields of `pieces`, each once.
pub fn unknown(pieces: &[Piece]) -> Vec<&str> {
    let mut v: Vec<&str> = Vec::new();
    for p in pieces {
        if let Piece::Field(Field::Unknown(s)) = p {
            if !v.contains(&s.as_str()) {
                v.push(s);
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_headers_and_text_are_split_and_unknown_fields_kept() {
        let p = parse("%<chi> [%<{User-Agent}cqh>] %<zzz>/%<pssc>%<");
        assert_eq!(
            p,
            vec![
                Piece::Field(Field::Chi),
                Piece::Text(b" [".to_vec()),
                Piece::Field(Field::Header(Side::ClientReq, b"User-Agent".to_vec())),
                Piece::Text(b"] ".to_vec()),
                Piece::Field(Field::Unknown("zzz".into())),
                Piece::Text(b"/".to_vec()),
                Piece::Field(Field::Pssc),
                Piece::Text(b"%<".to_vec()),
            ]
        );
        assert_eq!(unknown(&p), vec!["zzz"]);
    }
}
