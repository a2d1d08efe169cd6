//! User argument slots (TSUserArgIndexReserve & co): names per type, global storage.
//!
//! Indices are offset by type as in ATS 9.2: `(type + 1) * 1000 + slot`, so TXN slots are
//! 1000-1015, SSN 2000-2007, VCONN 3000-3003 and GLB 4000-4127.
#![forbid(unsafe_code)]

use std::ffi::{CStr, CString};
use std::os::raw::c_void;
use std::sync::atomic::AtomicPtr;

use parking_lot::Mutex;

pub const TXN: i32 = 0;
pub const SSN: i32 = 1;
pub const VCONN: i32 = 2;
pub const GLB: i32 = 3;
/// Slots per type.
pub const LIMITS: [usize; 4] = [16, 8, 4, 128];

struct Entry {
    name: CString,
    description: CString,
}

static NAMES: Mutex<[Vec<Entry>; 4]> = Mutex::new([Vec::new(), Vec::new(), Vec::new(), Vec::new()]);

pub static GLOBAL: [AtomicPtr<c_void>; 128] = [const { AtomicPtr::new(std::ptr::null_mut()) }; 128];

fn offset(ty: i32) -> i32 {
    (ty + 1) * 1000
}

/// Reserve a slot; the same name again gives the same index. None when the type is full.
pub fn reserve(ty: i32, name: &CStr, description: Option<&CStr>) -> Option<i32> {
    let mut all = NAMES.lock();
    let v = &mut all[ty as usize];
    if let Some(i) = v.iter().position(|e| e.name.as_c_str() == name) {
        return Some(offset(ty) + i as i32);
    }
    if v.len() >= LIMITS[ty as usize] {
        return None;
    }
    v.push(Entry {
        name: name.to_owned(),
        description: description.map(CStr::to_owned).unwrap_or_default(),
    });
    Some(offset(ty) + v.len() as i32 - 1)
}

/// Index and description of a reserved name. The pointer stays valid for the process lifetime.
pub fn lookup_name(ty: i32, name: &CStr) -> Option<(i32, *const std::os::raw::c_char)> {
    let all = NAMES.lock();
    all[ty as usize]
        .iter()
        .position(|e| e.name.as_c_str() == name)
        .map(|i| {
            (
                offset(ty) + i as i32,
                all[ty as usize][i].description.as_ptr(),
            )
        })
}

/// Name and description of a reserved index.
pub fn lookup_index(
    ty: i32,
    idx: i32,
) -> Option<(*const std::os::raw::c_char, *const std::os::raw::c_char)> {
    let slot = slot_of(ty, idx)?;
    let all = NAMES.lock();
    all[ty as usize]
        .get(slot)
        .map(|e| (e.name.as_ptr(), e.description.as_ptr()))
}

/// The slot number of an index, if it lies in the type's block and below its limit.
pub fn slot_of(ty: i32, idx: i32) -> Option<usize> {
    let s = idx - offset(ty);
    (0..LIMITS[ty as usize] as i32)
        .contains(&s)
        .then_some(s as usize)
}

/// The type whose block an index lies in (for messages).
pub fn type_of(idx: i32) -> Option<i32> {
    let t = idx / 1000 - 1;
    (0..4).contains(&t).then_some(t)
}

pub fn type_name(ty: i32) -> &'static str {
    ["TXN", "SSN", "VCONN", "GLB"]
        .get(ty as usize)
        .copied()
        .unwrap_or("?")
}
