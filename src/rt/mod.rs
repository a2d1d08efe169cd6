//! The runtime under everything: typed handle pools (the pointers C holds), the string blocks
//! headers are made of, the coarse clock, and the binary's allocator. Nothing here knows ATS's API.

pub mod alloc;
pub mod boxed;
pub mod bytes;
pub mod clock;
pub mod disk;
pub mod flag;
pub mod pool;
pub mod shared;
pub mod sockaddr;
