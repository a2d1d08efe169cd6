//! The TSCacheKey objects of the cache API (ATS 9.2's CacheInfo behind TSCacheKeyCreate): real
//! handles, created, given a digest and destroyed as in ATS. tshost has no cache, so nothing ever
//! looks an object up by one (TSCacheRemove answers REMOVE_FAILED, as ATS's cache when it is not
//! ready); the key keeps what it was given.

use parking_lot::Mutex;

use crate::rt::pool::Pool;

/// The live TSCacheKey handles.
pub static CACHE_KEYS: Pool<CacheKey> = Pool::new();

/// One cache key: the MD5 digest it was set to (ATS's CryptoHash), none until set.
#[derive(Default)]
pub struct CacheKey {
    pub digest: Mutex<Option<[u8; 16]>>,
}

impl CacheKey {
    /// Set the digest to the MD5 of `input` (ATS's TSCacheKeyDigestSet, CryptoContext's MD5 by
    /// default; for a URL, its canonical text).
    pub fn set_digest_of(&self, input: &[u8]) {
        let d = openssl::hash::hash(openssl::hash::MessageDigest::md5(), input)
            .ok()
            .and_then(|d| <[u8; 16]>::try_from(&d[..]).ok());
        *self.digest.lock() = d;
    }
}
