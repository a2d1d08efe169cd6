//! Boxing a large future without copying it: [`pinned`] allocates first and builds the value in
//! the allocation, where `Box::pin(f)` builds it on the stack and copies it in (a transaction's
//! future is kilobytes: bench/instructions counted the copy).
#![forbid(unsafe_code)]

use std::pin::Pin;

/// `Box::pin(make())`, with the value made in its box.
#[inline(always)]
pub fn pinned<T>(make: impl FnOnce() -> T) -> Pin<Box<T>> {
    let slot = Box::new_uninit();
    Box::into_pin(Box::write(slot, make()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_holds_the_value_made() {
        let b = pinned(|| [7u8; 4096]);
        assert_eq!(b.len(), 4096);
        assert!(b.iter().all(|x| *x == 7));
    }
}
