//! Base64 (ATS 9.2 src/tscore/ink_base64.cc: ats_base64_encode/ats_base64_decode) and percent
//! coding (proxy/logging/LogUtils.cc: escapify_url_common with `pure_escape`; proxy/hdrs/URL.cc:
//! unescape_str), byte for byte, over slices: nothing here reads past its input, where ATS's
//! decoder may (a byte past the input counts as undecodable here).
#![forbid(unsafe_code)]

// -------------------------------------------------------------------------------------------------
// Base64

const CODES: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// ATS's `printableToSixBit`: the value of a base64 character, 64 for an undecodable one. Both
/// alphabets decode: `+` and `-` are 62, `/` and `_` are 63.
const SIX_BIT: [u8; 256] = {
    let mut t = [64u8; 256];
    let mut i = 0;
    while i < 64 {
        t[CODES[i] as usize] = i as u8;
        i += 1;
    }
    t[b'-' as usize] = 62;
    t[b'_' as usize] = 63;
    t
};

/// The largest value of a decodable character (ATS's MAX_PRINT_VAL).
const MAX_PRINT_VAL: u8 = 63;

/// The buffer size ats_base64_encode needs for `n` input bytes, its NUL included:
/// `((n + 2) / 3) * 4 + 1` (None if that overflows).
pub fn base64_encode_dstlen(n: usize) -> Option<usize> {
    n.checked_add(2)?
        .checked_div(3)?
        .checked_mul(4)?
        .checked_add(1)
}

/// The buffer size ats_base64_decode needs for `n` input bytes, its NUL included:
/// `((n + 3) / 4) * 3 + 1` (None if that overflows).
pub fn base64_decode_dstlen(n: usize) -> Option<usize> {
    n.checked_add(3)?
        .checked_div(4)?
        .checked_mul(3)?
        .checked_add(1)
}

/// ats_base64_encode: `src` encoded (standard alphabet, `=` padding) into `dst`, NUL-terminated;
/// the length without the NUL, or None (nothing written) if `dst` is shorter than
/// [`base64_encode_dstlen`].
pub fn base64_encode(src: &[u8], dst: &mut [u8]) -> Option<usize> {
    if dst.len() < base64_encode_dstlen(src.len())? {
        return None;
    }
    let code = |v: u8| CODES[(v & 0o77) as usize];
    let mut o = 0;
    let mut groups = src.chunks_exact(3);
    for g in &mut groups {
        dst[o] = code(g[0] >> 2);
        dst[o + 1] = code(((g[0] & 0o3) << 4) | (g[1] >> 4));
        dst[o + 2] = code(((g[1] & 0o17) << 2) | (g[2] >> 6));
        dst[o + 3] = code(g[2]);
        o += 4;
    }
    let tail = groups.remainder();
    if !tail.is_empty() {
        let t0 = tail[0];
        let t1 = tail.get(1).copied().unwrap_or(0);
        dst[o] = code(t0 >> 2);
        dst[o + 1] = code(((t0 & 0o3) << 4) | (t1 >> 4));
        dst[o + 2] = if tail.len() == 1 {
            b'='
        } else {
            code((t1 & 0o17) << 2)
        };
        dst[o + 3] = b'=';
        o += 4;
    }
    dst[o] = 0;
    Some(o)
}

/// ats_base64_decode, with its arithmetic: the input is cut at its first undecodable character;
/// every group of 4 started before that point is decoded whole (its characters past the cut
/// decode as they are, those past the input as undecodable: 64, shifted and truncated to a byte
/// as in ATS), giving 3 bytes; when the cut is not on a group boundary, the result is shortened
/// by 2 bytes if the character 2 before the end of the last group is undecodable, else by 1. So
/// 2 or 3 characters left over give 1 or 2 bytes, and 1 left over gives 1 or 2 bytes depending on
/// the character after the one that stopped the decoding. `dst` is NUL-terminated at the decoded
/// length; the bytes of the last group past it are written too, as ATS does. Returns (the decoded
/// length, the number of bytes of `dst` written: the groups' and the NUL), or None (nothing
/// written) if `dst` is shorter than [`base64_decode_dstlen`].
pub fn base64_decode(src: &[u8], dst: &mut [u8]) -> Option<(usize, usize)> {
    if dst.len() < base64_decode_dstlen(src.len())? {
        return None;
    }
    let at = |i: usize| -> u32 { src.get(i).map_or(64, |&c| SIX_BIT[c as usize] as u32) };
    let in_bytes = src
        .iter()
        .position(|&c| SIX_BIT[c as usize] > MAX_PRINT_VAL)
        .unwrap_or(src.len());
    let groups = in_bytes.div_ceil(4);
    for g in 0..groups {
        let (i, o) = (4 * g, 3 * g);
        dst[o] = (at(i) << 2 | at(i + 1) >> 4) as u8;
        dst[o + 1] = (at(i + 1) << 4 | at(i + 2) >> 2) as u8;
        dst[o + 2] = (at(i + 2) << 6 | at(i + 3)) as u8;
    }
    let mut decoded = 3 * groups;
    let consumed = 4 * groups;
    // ATS: `(inBytes - inputBytesDecoded) & 0x3`, in wrapping size_t arithmetic.
    if in_bytes.wrapping_sub(consumed) & 3 != 0 {
        decoded -= if at(consumed - 2) > MAX_PRINT_VAL as u32 {
            2
        } else {
            1
        };
    }
    dst[decoded] = 0;
    Some((decoded, (3 * groups).max(decoded + 1)))
}

// -------------------------------------------------------------------------------------------------
// Percent coding

/// The characters TSStringPercentEncode escapes when given no map (LogUtils.cc's
/// `codes_to_escape`, one bit per character, most significant bit first): the controls
/// (0x00-0x1F), space, `"`, `#`, `%`, `<`, `>`, `[`, `\`, `]`, `^`, `` ` ``, `{`, `|`, `}`, `~`
/// and DEL; nothing above 0x7F.
pub const DEFAULT_ESCAPE_MAP: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, // control
    0xB4, // space " # %
    0x00, 0x00, //
    0x0A, // < >
    0x00, 0x00, 0x00, //
    0x1E, 0x80, // [ \ ] ^ `
    0x00, 0x00, //
    0x1F, // { | } ~ DEL
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
];

fn escaped(map: &[u8; 32], c: u8) -> bool {
    map[(c / 8) as usize] & (1 << (7 - c % 8)) != 0
}

/// LogUtils::pure_escapify_url into `dst`: every character of `src` that `map` marks becomes
/// `%XX` (upper-case hex), the rest is copied; NUL-terminated. Returns the encoded length (the
/// NUL not counted), or None if `dst` is shorter than `src` or has no room for the result and its
/// NUL. With nothing to escape the input is copied as ATS's `ink_strlcpy` copies it, up to an
/// embedded NUL, while the length returned is still `src.len()`; unlike ATS (whose strlcpy reads
/// up to the string's NUL even past `src`), nothing past `src` is copied.
pub fn percent_encode(src: &[u8], dst: &mut [u8], map: &[u8; 32]) -> Option<usize> {
    if dst.len() < src.len() {
        return None;
    }
    let count = src.iter().filter(|&&c| escaped(map, c)).count();
    if count == 0 {
        if dst.is_empty() {
            return Some(src.len());
        }
        let n = src
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(src.len())
            .min(dst.len() - 1);
        dst[..n].copy_from_slice(&src[..n]);
        dst[n] = 0;
        return Some(src.len());
    }
    let out_len = src.len() + 2 * count;
    if out_len + 1 > dst.len() {
        return None;
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut o = 0;
    for &c in src {
        if escaped(map, c) {
            dst[o..o + 3].copy_from_slice(&[b'%', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
            o += 3;
        } else {
            dst[o] = c;
            o += 1;
        }
    }
    dst[o] = 0;
    Some(out_len)
}

/// TSStringPercentDecode's work (URL.cc's unescape_str from state 0, then the NUL): `%` and two
/// hex digits (either case) become that byte; a `%` not followed by a hex digit, or by one hex
/// digit and then a non-hex character, is copied as it is; a `%` or `%X` at the very end of the
/// input is dropped. Decoding stops when `dst` is full; the result is then cut to
/// `dst.len() - 1` bytes for the NUL. Returns the length without the NUL. `dst` must not be empty.
pub fn percent_decode(src: &[u8], dst: &mut [u8]) -> usize {
    assert!(!dst.is_empty(), "percent_decode needs room for the NUL");
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let (mut s, mut w, mut state) = (0usize, 0usize, 0u8);
    while s < src.len() && w != dst.len() {
        let c = src[s];
        match state {
            0 => {
                if c == b'%' {
                    state = 1;
                } else {
                    dst[w] = c;
                    w += 1;
                }
                s += 1;
            }
            1 => {
                if hex(c).is_some() {
                    s += 1;
                    state = 2;
                } else {
                    // The '%', then `c` again in state 0.
                    dst[w] = src[s - 1];
                    w += 1;
                    state = 0;
                }
            }
            2 => {
                if let (Some(hi), Some(lo)) = (hex(src[s - 1]), hex(c)) {
                    dst[w] = hi << 4 | lo;
                    w += 1;
                    s += 1;
                    state = 0;
                } else {
                    // The '%' now, the first digit next (state 3), then `c` again in state 0.
                    dst[w] = src[s - 2];
                    w += 1;
                    state = 3;
                }
            }
            _ => {
                dst[w] = src[s - 1];
                w += 1;
                state = 0;
            }
        }
    }
    let n = w.min(dst.len() - 1);
    dst[n] = 0;
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &[u8]) -> (Vec<u8>, usize) {
        let mut d = vec![0xAAu8; base64_encode_dstlen(s.len()).unwrap()];
        let n = base64_encode(s, &mut d).unwrap();
        (d, n)
    }

    fn dec(s: &[u8]) -> (Vec<u8>, usize) {
        let mut d = vec![0xAAu8; base64_decode_dstlen(s.len()).unwrap()];
        let (n, written) = base64_decode(s, &mut d).unwrap();
        assert!(
            d[written..].iter().all(|&c| c == 0xAA),
            "nothing past {written}"
        );
        (d, n)
    }

    #[test]
    fn base64_encodes_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            let (d, n) = enc(i.as_bytes());
            assert_eq!(&d[..n], o.as_bytes(), "{i}");
            assert_eq!(d[n], 0);
            assert_eq!(n + 1, d.len(), "the dstlen is exactly what is written");
        }
        let (d, n) = enc(&[0xFF, 0xFE, 0xFD, 0xFC]);
        assert_eq!(&d[..n], b"//79/A==");
    }

    #[test]
    fn base64_refuses_a_buffer_one_byte_short() {
        let mut d = [0u8; 8];
        assert_eq!(base64_encode(b"foo", &mut d[..4]), None);
        assert_eq!(base64_encode(b"foo", &mut d[..5]), Some(4));
        assert_eq!(base64_decode(b"Zm9v", &mut d[..3]), None);
        assert_eq!(base64_decode(b"Zm9v", &mut d[..4]), Some((3, 4)));
        assert_eq!(&d[..4], b"foo\0");
        // The decoder's size is from the input length, whatever it decodes to.
        assert_eq!(base64_decode(b"Zg==", &mut d[..3]), None);
    }

    #[test]
    fn base64_decodes_both_alphabets_and_stops_at_the_first_undecodable() {
        assert_eq!(dec(b"Zm9vYmFy").1, 6);
        let (d, n) = dec(b"-_-_");
        assert_eq!(&d[..n], &[0xFB, 0xFF, 0xBF]);
        let (d2, n2) = dec(b"+/+/");
        assert_eq!(&d2[..n2], &d[..n]);
        let (d, n) = dec(b"Zm9v YmFy");
        assert_eq!(&d[..=n], b"foo\0");
        let (d, n) = dec(b"Zg==");
        assert_eq!(&d[..=n], b"f\0");
        let (d, n) = dec(b"Zm8=");
        assert_eq!(&d[..=n], b"fo\0");
        assert_eq!(dec(b"").1, 0);
        assert_eq!(dec(b"=Zm9v").1, 0);
    }

    #[test]
    fn base64_partial_groups_follow_ats_arithmetic() {
        // 2 left over: the character at the cut is undecodable, so 3 - 2 = 1 byte.
        assert_eq!(dec(b"QUJDQQ").1, 4);
        // 3 left over: 2 bytes.
        let (d, n) = dec(b"QUJDQUI");
        assert_eq!(&d[..=n], b"ABCAB\0");
        // 1 left over, nothing after it: the character 2 before the group's end is past the
        // input (undecodable): 3 - 2 = 1 byte, from 6 bits.
        let (d, n) = dec(b"QUJDR");
        assert_eq!(n, 4);
        assert_eq!(&d[..3], b"ABC");
        assert_eq!(d[3], (17 << 2 | 64 >> 4) as u8);
        // 1 left over, cut by '=' with a decodable character after it: 3 - 1 = 2 bytes, the
        // second made from the '=' (64 << 4, truncated) and the 'A'.
        let (d, n) = dec(b"QUJDR=A");
        assert_eq!(n, 5);
        assert_eq!(&d[..6], &[b'A', b'B', b'C', 68, 0, 0]);
        // The last group's third byte is written past the NUL, as ATS writes it.
        let (d, n) = dec(b"QQ=B");
        assert_eq!(n, 1);
        assert_eq!(&d[..3], &[b'A', 0, 1]);
        let (d, n) = dec(b"QUI=B");
        assert_eq!(n, 2);
        assert_eq!(&d[..3], &[b'A', b'B', 0]);
    }

    #[test]
    fn percent_encode_default_map() {
        let all: Vec<u8> = (0u8..=255).collect();
        let mut esc = Vec::new();
        for c in all {
            if escaped(&DEFAULT_ESCAPE_MAP, c) {
                esc.push(c);
            }
        }
        let mut want: Vec<u8> = (0..0x20).collect();
        want.extend(b" \"#%<>[\\]^`{|}~\x7F");
        want.sort();
        assert_eq!(esc, want);
    }

    #[test]
    fn percent_encode_sizes_and_output() {
        let m = &DEFAULT_ESCAPE_MAP;
        let mut d = [0xAAu8; 32];
        // "a b" needs 5 + 1.
        assert_eq!(percent_encode(b"a b", &mut d[..5], m), None);
        assert_eq!(percent_encode(b"a b", &mut d[..6], m), Some(5));
        assert_eq!(&d[..6], b"a%20b\0");
        assert_eq!(percent_encode(b"~\xC3\xA9", &mut d, m), Some(5));
        assert_eq!(&d[..6], b"%7E\xC3\xA9\0");
        // Nothing to escape: copied, up to an embedded NUL, with the full length.
        assert_eq!(percent_encode(b"abc", &mut d[..4], m), Some(3));
        assert_eq!(&d[..4], b"abc\0");
        let mut none = [0u8; 32];
        none[0] = 0x7F; // 0x01..0x07 only
        assert_eq!(percent_encode(b"ab\0cd", &mut d, &none), Some(5));
        assert_eq!(&d[..3], b"ab\0");
        assert_eq!(percent_encode(b"abc", &mut d[..2], m), None);
        assert_eq!(percent_encode(b"", &mut d[..0], m), Some(0));
        // A map of one's own: only 'a'.
        let mut a = [0u8; 32];
        a[(b'a' / 8) as usize] = 1 << (7 - b'a' % 8);
        assert_eq!(percent_encode(b"a b", &mut d, &a), Some(5));
        assert_eq!(&d[..6], b"%61 b\0");
    }

    fn pdec(s: &[u8], size: usize) -> Vec<u8> {
        let mut d = vec![0xAAu8; size];
        let n = percent_decode(s, &mut d);
        assert_eq!(d[n], 0);
        d.truncate(n);
        d
    }

    #[test]
    fn percent_decode_follows_unescape_str() {
        assert_eq!(pdec(b"a%20b%7e%7E", 32), b"a b~~");
        assert_eq!(pdec(b"%zz", 32), b"%zz");
        assert_eq!(pdec(b"%4g", 32), b"%4g");
        assert_eq!(pdec(b"%%41", 32), b"%A");
        assert_eq!(pdec(b"%4%41", 32), b"%4A");
        // A '%' or '%X' at the very end is dropped.
        assert_eq!(pdec(b"ab%", 32), b"ab");
        assert_eq!(pdec(b"ab%4", 32), b"ab");
        assert_eq!(pdec(b"%00x", 32), b"\0x");
        // dst full: cut for the NUL.
        assert_eq!(pdec(b"abcdef", 4), b"abc");
        assert_eq!(pdec(b"%41%42%43", 3), b"AB");
        assert_eq!(pdec(b"%41%42%43", 4), b"ABC");
        assert_eq!(pdec(b"", 1), b"");
    }
}
