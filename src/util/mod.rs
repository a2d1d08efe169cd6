//! ATS's utilities behind the plugin API, without the C boundary: base64 and percent coding
//! (`codec`, ATS's ink_base64.cc, LogUtils::pure_escapify_url and URL.cc's unescape_str), the
//! buffered files of TSfopen & co (`file`, InkAPI.cc's FileImpl, with the TSFile handle pool) and
//! UUIDs (`uuid`, ink_uuid.cc's ATSUuid, with the TSUuid handle pool and the process UUID).

pub mod cache_key;
pub mod codec;
pub mod file;
pub mod ipmap;
pub mod uuid;
