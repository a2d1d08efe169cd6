//! TSHostLookup: a plugin's asynchronous lookup of a host name. The name is resolved on a network
//! thread (the system's resolver, as the proxy resolves origins; an IP address in text is taken
//! as it is), within 30 s (ATS's proxy.config.hostdb.lookup_timeout default); then the
//! continuation gets TS_EVENT_HOST_LOOKUP under its mutex, with a TSHostLookupResult (its first
//! address) or NULL when the name is not found, as ATS's HostDB callback. The result lives for
//! the callback only. A TSActionCancel before that drops the event.
#![forbid(unsafe_code)]

use std::os::raw::c_int;
use std::sync::Arc;
use std::time::Duration;

use crate::cont::Cont;
use crate::rt::pool::Pool;
use crate::rt::sockaddr::CSockAddr;
use crate::sched::{self, PoolKind, ScheduledEvent, ACTIONS};
use crate::sys::types::TSEvent;

const HOST_LOOKUP: c_int = TSEvent::TS_EVENT_HOST_LOOKUP as c_int;
/// ATS's proxy.config.hostdb.lookup_timeout default.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(30);

/// A lookup's answer, as C reads it (TSHostLookupResultAddrGet).
pub struct HostResult {
    pub addr: CSockAddr,
}

/// The TSHostLookupResult handles: each alive while its callback runs.
pub static RESULTS: Pool<HostResult> = Pool::new();

/// Look `name` up for `cont`: the TSAction's handle (an event of [`ACTIONS`]: a cancel of it
/// stops the callback). An error when no proxy runs in the process.
pub fn lookup(cont: Arc<Cont>, name: String) -> Result<usize, String> {
    let (h, pending) =
        ACTIONS.insert(|h| ScheduledEvent::new(h, cont.clone(), HOST_LOOKUP, None, PoolKind::Net));
    let spawned = super::connect::spawn(async move {
        let found = tokio::time::timeout(LOOKUP_TIMEOUT, super::sm::resolve_host(&name, 0))
            .await
            .ok()
            .flatten();
        let dropped = pending.is_cancelled() || cont.is_deleted();
        ACTIONS.release(pending.handle);
        if dropped {
            return;
        }
        crate::debug!("hostdb", "TSHostLookup {name}: {found:?}");
        let result = found.map(|a| {
            RESULTS
                .insert(|_| HostResult {
                    addr: CSockAddr::new(a),
                })
                .0
        });
        let (_, ev) = ACTIONS.insert(|h| {
            let ev = ScheduledEvent::new(h, cont.clone(), HOST_LOOKUP, None, PoolKind::Net)
                .with_edata(result.unwrap_or(0));
            match result {
                Some(r) => ev.with_then(move || RESULTS.release(r)),
                None => ev,
            }
        });
        sched::schedule(ev, Duration::ZERO);
    });
    if let Err(e) = spawned {
        ACTIONS.release(h);
        return Err(e);
    }
    Ok(h)
}
