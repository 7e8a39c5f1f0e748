//! Ctrl-C / SIGTERM: the first stops taking new files (claimed files are given back, exit 130);
//! a second one ends the process at once with 130, whatever it is waiting for. Claims it held
//! then are given back by the next run (their pid is gone), so nothing is lost either way.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

pub fn requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

#[cfg(unix)]
extern "C" fn on_signal(_sig: libc::c_int) {
    // Only an atomic swap and _exit: both async-signal-safe.
    if STOP.swap(true, Ordering::SeqCst) {
        // SAFETY: _exit is async-signal-safe and never returns.
        unsafe { libc::_exit(130) };
    }
}

/// Installs the handler for SIGINT and SIGTERM.
pub fn install() {
    #[cfg(unix)]
    {
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // SAFETY: the handler only performs an atomic swap and possibly _exit.
        unsafe {
            libc::signal(libc::SIGINT, handler);
            libc::signal(libc::SIGTERM, handler);
        }
    }
}
