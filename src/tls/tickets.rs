//! Session ticket keys: one key ring shared by every server context, swapped atomically.
//! Record 0 encrypts new tickets; every record decrypts; a ticket decrypted with an older record
//! (or on TLS 1.3) is renewed. Installed with SSL_CTX_set_tlsext_ticket_key_evp_cb (OpenSSL 3).
//!
//! Key formats: ATS's 48-byte records (16-byte name, 16-byte HMAC secret, 16-byte AES-128 key) and
//! nginx/HAProxy's 80-byte records (16-byte name, 32-byte HMAC secret, 32-byte AES-256 key).
#![deny(unsafe_op_in_unsafe_fn)]

use std::os::raw::{c_char, c_int, c_uchar, c_void};
use std::sync::Arc;

use arc_swap::ArcSwap;
use openssl::ssl::SslContextBuilder;
use openssl_sys as ffi;

#[derive(Clone)]
pub struct TicketKey {
    pub name: [u8; 16],
    hmac: Vec<u8>,
    aes: Vec<u8>,
}

impl TicketKey {
    fn cipher(&self) -> *const ffi::EVP_CIPHER {
        // SAFETY: static cipher descriptions.
        unsafe {
            if self.aes.len() == 32 {
                ffi::EVP_aes_256_cbc()
            } else {
                ffi::EVP_aes_128_cbc()
            }
        }
    }
}

impl Drop for TicketKey {
    fn drop(&mut self) {
        // Key material does not outlive the ring (as ATS zeroes freed blocks).
        self.hmac.iter_mut().for_each(|b| *b = 0);
        self.aes.iter_mut().for_each(|b| *b = 0);
    }
}

/// Parse a key block: N records of 48 bytes (ATS) or, if the length is a multiple of 80 and not of
/// 48, of 80 bytes (nginx/HAProxy). Trailing bytes are ignored, as ATS. None if shorter than a
/// record.
pub fn parse_keys(data: &[u8]) -> Option<Vec<TicketKey>> {
    let record = if !data.len().is_multiple_of(48) && data.len().is_multiple_of(80) {
        80
    } else {
        48
    };
    if data.len() < record {
        return None;
    }
    Some(
        data.chunks_exact(record)
            .map(|r| {
                let mut name = [0; 16];
                name.copy_from_slice(&r[..16]);
                if record == 48 {
                    TicketKey {
                        name,
                        hmac: r[16..32].to_vec(),
                        aes: r[32..48].to_vec(),
                    }
                } else {
                    TicketKey {
                        name,
                        hmac: r[16..48].to_vec(),
                        aes: r[48..80].to_vec(),
                    }
                }
            })
            .collect(),
    )
}

/// A random single-key block (ATS's default when no key is given).
pub fn random_keys() -> Vec<TicketKey> {
    let mut b = [0u8; 48];
    openssl::rand::rand_bytes(&mut b).expect("random bytes");
    parse_keys(&b).expect("48 bytes")
}

static RING: std::sync::LazyLock<ArcSwap<Vec<TicketKey>>> =
    std::sync::LazyLock::new(|| ArcSwap::from_pointee(random_keys()));

/// Replace the key ring (atomic: handshakes in progress keep the ring they started with).
pub fn set_keys(keys: Vec<TicketKey>) {
    RING.store(Arc::new(keys));
}

/// The current key ring.
pub fn keys() -> Arc<Vec<TicketKey>> {
    RING.load_full()
}

extern "C" {
    fn SSL_CTX_set_tlsext_ticket_key_evp_cb(
        ctx: *mut ffi::SSL_CTX,
        cb: Option<
            unsafe extern "C" fn(
                *mut ffi::SSL,
                *mut c_uchar,
                *mut c_uchar,
                *mut ffi::EVP_CIPHER_CTX,
                *mut ffi::EVP_MAC_CTX,
                c_int,
            ) -> c_int,
        >,
    ) -> c_int;
    fn OSSL_PARAM_construct_utf8_string(
        key: *const c_char,
        buf: *mut c_char,
        bsize: usize,
    ) -> ffi::OSSL_PARAM;
}

/// Key the HMAC with SHA-256 and `key`.
///
/// # Safety
/// `hctx` is the live EVP_MAC_CTX OpenSSL handed the ticket callback.
unsafe fn hmac_init(hctx: *mut ffi::EVP_MAC_CTX, key: &[u8]) -> bool {
    let mut digest = *b"SHA256\0";
    let mut k = key.to_vec();
    // SAFETY: the parameters only point at `digest` (NUL-terminated; bsize 0 means its strlen),
    // `k` (k.len() bytes) and static names, all alive until EVP_MAC_CTX_set_params below returns.
    let params = unsafe {
        [
            OSSL_PARAM_construct_utf8_string(
                c"digest".as_ptr(),
                digest.as_mut_ptr() as *mut c_char,
                0,
            ),
            ffi::OSSL_PARAM_construct_octet_string(
                c"key".as_ptr(),
                k.as_mut_ptr() as *mut c_void,
                k.len(),
            ),
            ffi::OSSL_PARAM_construct_end(),
        ]
    };
    // SAFETY: `hctx` is live (this function's contract); `params` ends with OSSL_PARAM_END and
    // what it points at is alive for the call (OpenSSL copies the key).
    unsafe { ffi::EVP_MAC_CTX_set_params(hctx, params.as_ptr()) == 1 }
}

/// OpenSSL's ticket key callback: 1 = use (encrypt/decrypt), 2 = decrypted, renew the ticket,
/// 0 = no such key (full handshake), -1 = error.
unsafe extern "C" fn ticket_cb(
    ssl: *mut ffi::SSL,
    key_name: *mut c_uchar,
    iv: *mut c_uchar,
    cctx: *mut ffi::EVP_CIPHER_CTX,
    hctx: *mut ffi::EVP_MAC_CTX,
    enc: c_int,
) -> c_int {
    let r = std::panic::catch_unwind(|| {
        let ring = keys();
        if enc == 1 {
            let Some(k) = ring.first() else { return -1 };
            // SAFETY: on encryption OpenSSL passes a 16-byte key_name buffer to fill
            // (SSL_CTX_set_tlsext_ticket_key_evp_cb's contract); k.name has 16 bytes.
            unsafe { std::ptr::copy_nonoverlapping(k.name.as_ptr(), key_name, 16) };
            // SAFETY: `iv` is OpenSSL's EVP_MAX_IV_LENGTH (16) buffer for the IV (same contract).
            if unsafe { ffi::RAND_bytes(iv, 16) } != 1 {
                return -1;
            }
            // SAFETY: cctx and hctx are the live contexts OpenSSL passes; the key has the
            // cipher's key length (k.cipher() is chosen by it) and `iv` was just filled.
            if unsafe {
                ffi::EVP_EncryptInit_ex(cctx, k.cipher(), std::ptr::null_mut(), k.aes.as_ptr(), iv)
                    != 1
                    || !hmac_init(hctx, &k.hmac)
            } {
                return -1;
            }
            1
        } else {
            // SAFETY: on decryption key_name holds the ticket's 16-byte key name (the callback's
            // contract), read only within this call.
            let name = unsafe { std::slice::from_raw_parts(key_name, 16) };
            let Some(i) = ring.iter().position(|k| k.name == name) else {
                return 0;
            };
            let k = &ring[i];
            // SAFETY: cctx and hctx are the live contexts OpenSSL passes, `iv` the ticket's IV;
            // the key has the cipher's key length (k.cipher() is chosen by it).
            if unsafe {
                !hmac_init(hctx, &k.hmac)
                    || ffi::EVP_DecryptInit_ex(
                        cctx,
                        k.cipher(),
                        std::ptr::null_mut(),
                        k.aes.as_ptr(),
                        iv,
                    ) != 1
            } {
                return -1;
            }
            // Renew a ticket made with an older key, and always on TLS 1.3 (as ATS).
            // SAFETY: `ssl` is the live connection OpenSSL runs the callback for.
            let tls13 = unsafe { ffi::SSL_version(ssl) } == ffi::TLS1_3_VERSION;
            if i != 0 || tls13 {
                2
            } else {
                1
            }
        }
    });
    r.unwrap_or(-1)
}

static ENABLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);
static NUMBER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(2);

/// proxy.config.ssl.server.session_ticket.enable and .number (set before contexts are built).
pub fn configure(enabled: bool, number: usize) {
    ENABLED.store(enabled, std::sync::atomic::Ordering::Release);
    NUMBER.store(number, std::sync::atomic::Ordering::Release);
}

pub fn config() -> (bool, usize) {
    (
        ENABLED.load(std::sync::atomic::Ordering::Acquire),
        NUMBER.load(std::sync::atomic::Ordering::Acquire),
    )
}

/// Load a key file (raw N x 48 or N x 80 bytes).
pub fn load_file(path: &std::path::Path) -> Result<(), String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let keys = parse_keys(&data).ok_or_else(|| {
        format!(
            "{}: session ticket key file too short (>= 48 bytes are required)",
            path.display()
        )
    })?;
    set_keys(keys);
    Ok(())
}

/// Use the shared key ring for session tickets on this context.
pub fn install(ctx: &mut SslContextBuilder) {
    // SAFETY: a valid context being built; the callback has OpenSSL 3's signature.
    unsafe {
        SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx.as_ptr(), Some(ticket_cb));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_formats() {
        assert!(parse_keys(&[0; 47]).is_none());
        assert_eq!(parse_keys(&[0; 48]).unwrap().len(), 1);
        assert_eq!(parse_keys(&[0; 96]).unwrap().len(), 2);
        assert_eq!(
            parse_keys(&[0; 100]).unwrap().len(),
            2,
            "trailing bytes ignored"
        );
        let k = parse_keys(&[1; 80]).unwrap();
        assert_eq!(
            (k.len(), k[0].aes.len(), k[0].hmac.len()),
            (1, 32, 32),
            "nginx/HAProxy 80-byte record"
        );
        let k = parse_keys(&[2; 240]).unwrap();
        assert_eq!(k.len(), 5, "240 is a multiple of 48: ATS records");
        let mut rec = [0u8; 48];
        rec[..16].copy_from_slice(b"0123456789abcdef");
        rec[16..32].fill(7);
        rec[32..].fill(9);
        let k = &parse_keys(&rec).unwrap()[0];
        assert_eq!(
            (&k.name, k.hmac[0], k.aes[0]),
            (b"0123456789abcdef", 7, 9),
            "name, HMAC, AES"
        );
    }
}
