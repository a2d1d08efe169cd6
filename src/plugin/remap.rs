//! Remap plugins (ATS 9.2's `remap.h`; proxy/http/remap/PluginFactory.cc, RemapPluginInfo.cc,
//! RemapPlugins.cc): the plugins remap.config's `@plugin=` names.
//!
//! - A library is loaded once per path (dlopen of a path plugin.config loaded too gives the same
//!   library, as in ATS), its entry points looked up: `TSRemapInit` and `TSRemapDoRemap` are
//!   required, `TSRemapNewInstance` and `TSRemapDeleteInstance` come as a pair, the others are
//!   optional. `TSRemapInit` runs once per library, with `{sizeof(TSRemapInterface),
//!   TSREMAP_VERSION}`.
//! - Each rule's plugin gets `TSRemapNewInstance(argc, argv)`: argv[0] and argv[1] are the rule's
//!   FROM and TO URLs, then its `@pparam`s, argv[argc] NULL. A failure names the rule's file:line
//!   and the plugin's errbuf text.
//! - [`Chain::run`] calls `TSRemapDoRemap` for a request in chain order, after the rule's own
//!   mapping, with ATS's chain rules: a negative status is `TSREMAP_NO_REMAP`; `*_STOP` ends the
//!   chain; `DID_REMAP*` with `rri->redirect` set ends it with a redirect to the request URL.
//! - An instance's `TSRemapDeleteInstance` runs when the last table that holds it goes; every
//!   library's `TSRemapDone` at stop ([`shutdown`]).

use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_ulong, c_void};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use libloading::os::unix::{Library, RTLD_NOW};
use parking_lot::Mutex;

use super::config::resolve_plugin_path;
use super::PluginInfo;
use crate::config::remap::{RemapRule, RemapTable};
use crate::sys::remap::{TSRemapInterface, TSRemapRequestInfo, TSREMAP_VERSION};
use crate::sys::types::{TSHttpTxn, TSMBuffer, TSMLoc, TSReturnCodeRaw, TS_SUCCESS};

type InitFn = unsafe extern "C" fn(*mut TSRemapInterface, *mut c_char, c_int) -> TSReturnCodeRaw;
type DoRemapFn = unsafe extern "C" fn(*mut c_void, TSHttpTxn, *mut TSRemapRequestInfo) -> c_int;
type NewInstanceFn = unsafe extern "C" fn(
    c_int,
    *mut *mut c_char,
    *mut *mut c_void,
    *mut c_char,
    c_int,
) -> TSReturnCodeRaw;
type DeleteInstanceFn = unsafe extern "C" fn(*mut c_void);
type VoidFn = unsafe extern "C" fn();
type OsResponseFn = unsafe extern "C" fn(*mut c_void, TSHttpTxn, c_int);
type PostReloadFn = unsafe extern "C" fn(c_int);

/// The size of the error buffers the plugin's init and new-instance calls get.
const ERRBUF: usize = 2048;

/// A loaded remap plugin library and its entry points.
pub struct RemapPlugin {
    pub path: PathBuf,
    /// For diagnostics (the plugin running when it calls the API).
    pub info: Arc<PluginInfo>,
    do_remap: DoRemapFn,
    new_instance: Option<NewInstanceFn>,
    delete_instance: Option<DeleteInstanceFn>,
    done: Option<VoidFn>,
    os_response: Option<OsResponseFn>,
    pre_reload: Option<VoidFn>,
    post_reload: Option<PostReloadFn>,
    /// Kept open for the life of the process (ATS does not unload in place either).
    _lib: Library,
}

/// Every remap plugin library loaded, once per path, in load order.
static PLUGINS: Mutex<Vec<Arc<RemapPlugin>>> = Mutex::new(Vec::new());

/// The remap plugin libraries loaded so far.
pub fn loaded() -> Vec<Arc<RemapPlugin>> {
    PLUGINS.lock().clone()
}

/// One rule's instance of a plugin: what TSRemapNewInstance made (`ih`).
pub struct Instance {
    pub plugin: Arc<RemapPlugin>,
    ih: *mut c_void,
}

// SAFETY: `ih` is the plugin's opaque instance pointer: tshost never dereferences it, only hands
// it back to the plugin, which ATS calls from any of its threads too.
unsafe impl Send for Instance {}
// SAFETY: as for Send: shared references only hand the pointer back to the plugin.
unsafe impl Sync for Instance {}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(delete) = self.plugin.delete_instance {
            let _ctx = super::enter(Some(&self.plugin.info));
            // SAFETY: the plugin's TSRemapDeleteInstance, given the instance its
            // TSRemapNewInstance made, once.
            unsafe { delete(self.ih) };
        }
    }
}

/// The plugins of one rule, in chain order, with the rule's FROM and TO URLs: read-only TSMLocs
/// of a heap the chain keeps (plugins read them with the request's TSMBuffer, as ATS lets them).
pub struct Chain {
    pub instances: Vec<Instance>,
    /// Holds the FROM and TO URLs' TSMLocs alive.
    _urls: Arc<crate::hdrs::MBuffer>,
    from_loc: usize,
    to_loc: usize,
}

/// The chains of a remap table, by rule id (`None` for a rule without plugins).
#[derive(Default)]
pub struct Chains {
    by_rule: Vec<Option<Chain>>,
}

impl Chains {
    /// The chain of rule `id`, if it has plugins.
    #[inline]
    pub fn of(&self, id: usize) -> Option<&Chain> {
        self.by_rule.get(id).and_then(Option::as_ref)
    }

    /// Whether a rule's chain has an instance of `plugin`.
    pub fn uses(&self, plugin: &Arc<RemapPlugin>) -> bool {
        self.by_rule
            .iter()
            .flatten()
            .any(|c| c.instances.iter().any(|i| Arc::ptr_eq(&i.plugin, plugin)))
    }

    /// True when no rule has a plugin.
    pub fn is_empty(&self) -> bool {
        self.by_rule.iter().all(Option::is_none)
    }
}

/// What a chain's run came to.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ChainResult {
    /// Plugins that said they remapped (DID_REMAP or DID_REMAP_STOP).
    pub rewritten: usize,
    /// A plugin asked for a redirect to the (new) request URL: its text.
    pub redirect: Option<Vec<u8>>,
}

impl Chain {
    /// Run TSRemapDoRemap of each instance for a request, in order, with ATS's chain rules.
    /// `req` is the client request's heap; `txn` its TSHttpTxn.
    pub fn run(&self, txn: usize, req: &Arc<crate::hdrs::MBuffer>) -> ChainResult {
        let mut out = ChainResult::default();
        let buf = req.handle();
        let hdr = req.hdr_loc();
        let url = req.url_loc();
        for inst in &self.instances {
            let mut rri = TSRemapRequestInfo {
                mapFromUrl: self.from_loc as TSMLoc,
                mapToUrl: self.to_loc as TSMLoc,
                requestUrl: url as TSMLoc,
                requestBufp: buf as TSMBuffer,
                requestHdrp: hdr as TSMLoc,
                redirect: 0,
            };
            let status = {
                let _ctx = super::enter(Some(&inst.plugin.info));
                // SAFETY: the plugin's TSRemapDoRemap with the instance its TSRemapNewInstance
                // made, a live transaction handle and a request info that outlives the call.
                unsafe { (inst.plugin.do_remap)(inst.ih, txn as TSHttpTxn, &mut rri) }
            };
            // ATS: a negative status is TSREMAP_NO_REMAP.
            let status = status.max(0);
            let did = status == 1 || status == 3;
            if did && rri.redirect != 0 {
                out.redirect = Some(req.with(|h| h.url().to_bytes()));
                return out;
            }
            if did {
                out.rewritten += 1;
            }
            if status == 2 || status == 3 {
                break;
            }
        }
        out
    }

    /// The first plugin of the chain's TSRemapOSResponse, when the origin's response arrives.
    pub fn os_response(&self, txn: usize, state: c_int) {
        let Some(first) = self.instances.first() else {
            return;
        };
        if let Some(f) = first.plugin.os_response {
            let _ctx = super::enter(Some(&first.plugin.info));
            // SAFETY: the plugin's TSRemapOSResponse with its instance and a live transaction.
            unsafe { f(first.ih, txn as TSHttpTxn, state) };
        }
    }
}

/// The text of a plugin's NUL-terminated error buffer, as ATS reports it ("Unknown plugin error"
/// when the plugin wrote none).
fn errbuf_text(buf: &[u8]) -> String {
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    match &buf[..end] {
        [] => "Unknown plugin error".into(),
        text => String::from_utf8_lossy(text).into_owned(),
    }
}

/// Load (once per path) the library `path` names, run its TSRemapInit.
fn plugin(path: &Path) -> Result<Arc<RemapPlugin>, String> {
    if let Some(p) = PLUGINS.lock().iter().find(|p| p.path == path) {
        return Ok(p.clone());
    }
    super::hostlibs::open();
    crate::note!("loading remap plugin '{}'", path.display());
    if !path.exists() {
        return Err(format!("unable to load '{}': no such file", path.display()));
    }
    super::check::enable_features_for(path);
    // SAFETY: loading a plugin runs its initialisers; that is what the operator asked for.
    let lib = unsafe { Library::open(Some(path), RTLD_NOW) }
        .map_err(|e| format!("unable to load '{}': {e}", path.display()))?;
    // SAFETY: each symbol is read with the type remap.h gives it.
    let (pre_reload, post_reload) = unsafe {
        (
            lib.get::<VoidFn>(b"TSRemapPreConfigReload\0")
                .ok()
                .map(|f| *f),
            lib.get::<PostReloadFn>(b"TSRemapPostConfigReload\0")
                .ok()
                .map(|f| *f),
        )
    };
    // SAFETY: each symbol is read with the type remap.h gives it.
    let (init, do_remap, new_instance, delete_instance, done, os_response) = unsafe {
        (
            lib.get::<InitFn>(b"TSRemapInit\0").ok().map(|f| *f),
            lib.get::<DoRemapFn>(b"TSRemapDoRemap\0").ok().map(|f| *f),
            lib.get::<NewInstanceFn>(b"TSRemapNewInstance\0")
                .ok()
                .map(|f| *f),
            lib.get::<DeleteInstanceFn>(b"TSRemapDeleteInstance\0")
                .ok()
                .map(|f| *f),
            lib.get::<VoidFn>(b"TSRemapDone\0").ok().map(|f| *f),
            lib.get::<OsResponseFn>(b"TSRemapOSResponse\0")
                .ok()
                .map(|f| *f),
        )
    };
    let missing = |f: &str| format!("{}: missing required function {f}", path.display());
    let init = init.ok_or_else(|| missing("TSRemapInit"))?;
    let do_remap = do_remap.ok_or_else(|| missing("TSRemapDoRemap"))?;
    if new_instance.is_some() != delete_instance.is_some() {
        return Err(format!(
            "{}: both TSRemapNewInstance and TSRemapDeleteInstance functions are required",
            path.display()
        ));
    }
    let info = Arc::new(PluginInfo {
        argv0: path.display().to_string(),
        path: path.to_path_buf(),
        origin: String::new(),
        registration: Mutex::new(None),
        hook_times: Default::default(),
    });
    let mut api = TSRemapInterface {
        size: std::mem::size_of::<TSRemapInterface>() as c_ulong,
        tsremap_version: TSREMAP_VERSION as c_ulong,
    };
    let mut errbuf = vec![0u8; ERRBUF];
    crate::sched::adopt_current_thread();
    let rc = {
        let _ctx = super::enter(Some(&info));
        // SAFETY: the plugin's TSRemapInit with a live interface struct and an error buffer of
        // the size it is told (one byte kept for a NUL).
        unsafe { init(&mut api, errbuf.as_mut_ptr().cast(), (ERRBUF - 1) as c_int) }
    };
    if rc != TS_SUCCESS {
        return Err(format!(
            "failed to initialize plugin {}: {}",
            path.display(),
            errbuf_text(&errbuf)
        ));
    }
    let p = Arc::new(RemapPlugin {
        path: path.to_path_buf(),
        info,
        do_remap,
        new_instance,
        delete_instance,
        done,
        os_response,
        pre_reload,
        post_reload,
        _lib: lib,
    });
    PLUGINS.lock().push(p.clone());
    Ok(p)
}

/// A new instance of `plugin` for `rule` (argv: FROM, TO, the @pparams).
fn instance(
    plugin: &Arc<RemapPlugin>,
    rule: &RemapRule,
    params: &[String],
) -> Result<Instance, String> {
    let Some(new) = plugin.new_instance else {
        return Ok(Instance {
            plugin: plugin.clone(),
            ih: std::ptr::null_mut(),
        });
    };
    let args: Vec<CString> = [rule.from_text.as_str(), rule.to_text.as_str()]
        .into_iter()
        .chain(params.iter().map(String::as_str))
        .map(|a| CString::new(a.replace('\0', "")).expect("no NUL"))
        .collect();
    let mut ptrs: Vec<*mut c_char> = args.iter().map(|a| a.as_ptr() as *mut c_char).collect();
    ptrs.push(std::ptr::null_mut());
    let mut ih: *mut c_void = std::ptr::null_mut();
    let mut errbuf = vec![0u8; ERRBUF];
    let rc = {
        let _ctx = super::enter(Some(&plugin.info));
        // SAFETY: getopt's state is reset first, as ATS's RemapPluginInfo::initInstance does
        // (instances are made on one thread); then the plugin's TSRemapNewInstance with argc
        // strings (argv[argc] NULL) that outlive the call, a place for its instance and an error
        // buffer of the size it is told.
        unsafe {
            super::loader::reset_getopt();
            new(
                args.len() as c_int,
                ptrs.as_mut_ptr(),
                &mut ih,
                errbuf.as_mut_ptr().cast(),
                (ERRBUF - 1) as c_int,
            )
        }
    };
    if rc != TS_SUCCESS {
        return Err(format!(
            "failed to create instance for plugin {}: {}",
            plugin.path.display(),
            errbuf_text(&errbuf)
        ));
    }
    Ok(Instance {
        plugin: plugin.clone(),
        ih,
    })
}

/// Read remap.config (`file`) and make the instances of its rules' plugins (ATS loads both as
/// one: a plugin that fails fails the file).
pub fn load(file: &Path, plugin_dir: &Path) -> Result<(RemapTable, Chains), String> {
    let table = RemapTable::load(file).map_err(|e| e.to_string())?;
    let plugins = instantiate(&table, plugin_dir)?;
    Ok((table, plugins))
}

/// Load the plugins of every rule of `table` and make their instances, rule by rule in file
/// order. An error names the rule's file:line.
pub fn instantiate(table: &RemapTable, plugin_dir: &Path) -> Result<Chains, String> {
    let mut by_rule = Vec::with_capacity(table.rules.len());
    for rule in &table.rules {
        if rule.plugins.is_empty() {
            by_rule.push(None);
            continue;
        }
        let at = |e: String| format!("{}:{}: {e}", rule.file.display(), rule.line);
        let mut instances = Vec::new();
        for spec in &rule.plugins {
            let path = resolve_plugin_path(plugin_dir, spec.path.as_bytes());
            let p = plugin(&path).map_err(at)?;
            instances.push(instance(&p, rule, &spec.params).map_err(at)?);
        }
        let urls = crate::hdrs::MBuffer::create_owned();
        let (from_loc, to_loc) = rule_url_locs(&urls, rule);
        by_rule.push(Some(Chain {
            instances,
            _urls: urls,
            from_loc,
            to_loc,
        }));
    }
    Ok(Chains { by_rule })
}

/// A rule's FROM and TO URLs added to `heap`: their TSMLocs (ATS's `url_map` URLs, which remap
/// plugins and TSRemapFromUrlGet/ToUrlGet read).
pub fn rule_url_locs(
    heap: &Arc<crate::hdrs::MBuffer>,
    rule: &crate::config::remap::RemapRule,
) -> (usize, usize) {
    let parse = |text: &str| crate::hdrs::url::Url::parse(text.as_bytes()).unwrap_or_default();
    let mut heap = heap.lock();
    (
        heap.add_url(parse(&rule.from_text)),
        heap.add_url(parse(&rule.to_text)),
    )
}

/// Before remap.config is read again: every loaded library's TSRemapPreConfigReload.
pub fn pre_reload() {
    let plugins = PLUGINS.lock().clone();
    for p in plugins {
        if let Some(f) = p.pre_reload {
            let _ctx = super::enter(Some(&p.info));
            // SAFETY: the plugin's TSRemapPreConfigReload.
            unsafe { f() };
        }
    }
}

/// After remap.config was read again: every loaded library's TSRemapPostConfigReload, told
/// FAILURE (`new` is None: the old rules stay), or whether the new rules use it.
pub fn post_reload(new: Option<&Chains>) {
    use crate::sys::remap::TSRemapReloadStatus as S;
    let plugins = PLUGINS.lock().clone();
    for p in plugins {
        let Some(f) = p.post_reload else { continue };
        let status = match new {
            None => S::TSREMAP_CONFIG_RELOAD_FAILURE,
            Some(c) if c.uses(&p) => S::TSREMAP_CONFIG_RELOAD_SUCCESS_PLUGIN_USED,
            Some(_) => S::TSREMAP_CONFIG_RELOAD_SUCCESS_PLUGIN_UNUSED,
        };
        let _ctx = super::enter(Some(&p.info));
        // SAFETY: the plugin's TSRemapPostConfigReload with a TSRemapReloadStatus value.
        unsafe { f(status as c_int) };
    }
}

/// At stop: every library's TSRemapDone, in load order (after the last table, and with it every
/// instance, has gone).
pub fn shutdown() {
    let plugins: Vec<Arc<RemapPlugin>> = std::mem::take(&mut *PLUGINS.lock());
    for p in plugins {
        if let Some(done) = p.done {
            let _ctx = super::enter(Some(&p.info));
            // SAFETY: the plugin's TSRemapDone, once, at stop.
            unsafe { done() };
        }
    }
}
