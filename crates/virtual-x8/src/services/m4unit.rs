//! m4-proxy.service as systemd 250 runs it: start, crash, `Restart=on-failure` after
//! `RestartSec=2s`, and the start limit (`StartLimitBurst=10` in
//! `StartLimitIntervalSec=120`), after which the unit is `failed` with result
//! `start-limit-hit` until `systemctl reset-failed` (or, for a manual start, until the
//! 120 s window has passed).
//!
//! Evidence: the unit file, meta-partner-arduino ddfd1b4
//! `recipes-connectivity/m4-proxy/m4-proxy/m4-proxy.service`:1-16 (written to the sandbox by
//! `services::M4_PROXY_UNIT`); systemd-stable v250.5 `src/core/unit.c`:5604/5645 (the
//! "Main process exited" / "Failed with result" lines), `src/basic/exit-status.c`:78
//! (`2/INVALIDARGUMENT`), `src/core/service.c`:2310 ("Scheduled restart job, restart
//! counter is at N."), :4544-4556 and :4633 (start limit), `src/core/job.c`:576/586
//! ("Started"/"Stopped M4 Proxy."), `src/basic/ratelimit.c`:11-36 (the window), `unit.c`:3705
//! and `service.c`:4394 (reset-failed clears the limit and NRestarts).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use super::{Journal, Proxy, Sys};
use crate::faults::{Fault, Faults};
use crate::olddialect::GoPanic;
use crate::sketch::Sketch;

const UNIT: &str = "m4-proxy.service";
/// `StartLimitBurst=10`.
pub const START_LIMIT_BURST: u32 = 10;
/// `StartLimitIntervalSec=120`.
pub const START_LIMIT_INTERVAL: Duration = Duration::from_secs(120);
/// `RestartSec=2s`.
pub const RESTART_SEC: Duration = Duration::from_secs(2);

/// Everything the unit needs, shared (the restart runs on its own thread, 2 s after a crash).
#[derive(Clone)]
pub(super) struct M4Unit {
    pub sys: Arc<Mutex<Sys>>,
    pub journal: Arc<Journal>,
    pub faults: Arc<Faults>,
    pub ports: Arc<Mutex<BTreeMap<u16, SocketAddr>>>,
    pub proxy: Arc<Mutex<Option<Proxy>>>,
    pub upstream: Option<String>,
    pub sketch: Arc<Mutex<Sketch>>,
    pub restart_delay: Duration,
    /// The serial sketch's line counter: the M4 keeps running when m4-proxy restarts.
    pub serial_counter: Arc<std::sync::atomic::AtomicU64>,
}

fn lk<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl M4Unit {
    fn alloc_pid(&self) -> u32 {
        let mut s = lk(&self.sys);
        s.next_pid += 1 + s.next_pid % 3;
        s.next_pid
    }

    /// ratelimit_below(): a window opens at the first attempt after the previous one
    /// expired; attempts 1..=10 in it pass, the 11th is refused.
    fn rate_ok(s: &mut Sys) -> bool {
        let now = Instant::now();
        if s.m4_window
            .is_none_or(|w| now.duration_since(w) > START_LIMIT_INTERVAL)
        {
            s.m4_window = Some(now);
            s.m4_attempts = 0;
        }
        if s.m4_attempts < START_LIMIT_BURST {
            s.m4_attempts += 1;
            true
        } else {
            false
        }
    }

    pub fn running(&self) -> bool {
        lk(&self.sys).m4_pid != 0
    }

    /// Start the unit (ExecStart=/usr/bin/m4_proxy). False when the start limit refused it
    /// (the unit is then `failed`, result `start-limit-hit`).
    pub fn start(&self) -> bool {
        if self.running() {
            return true;
        }
        {
            let mut s = lk(&self.sys);
            s.m4_gen += 1;
            if !Self::rate_ok(&mut s) {
                s.m4_started = false;
                s.m4_auto_restart = false;
                s.m4_failed = true;
                s.m4_result = "start-limit-hit";
                drop(s);
                self.journal
                    .systemd(UNIT, format!("{UNIT}: Start request repeated too quickly."));
                self.journal.systemd(
                    UNIT,
                    format!("{UNIT}: Failed with result 'start-limit-hit'."),
                );
                self.journal.systemd(UNIT, "Failed to start M4 Proxy.");
                return false;
            }
        }
        let pid = self.alloc_pid();
        self.journal.systemd(UNIT, "Started M4 Proxy.");
        let generation = {
            let mut s = lk(&self.sys);
            s.m4_started = true;
            s.m4_auto_restart = false;
            s.m4_failed = false;
            s.m4_result = "success";
            s.m4_exit_status = 0;
            s.m4_since = SystemTime::now();
            s.m4_last_pid = pid;
            s.m4_pid = 0;
            s.m4_gen
        };
        if self.faults.has(Fault::M4ProxyDown) {
            self.journal.log(
                UNIT,
                "m4_proxy",
                pid,
                "read /dev/x8h7_ui: connection timed out",
            );
            return true;
        }
        let journal = self.journal.clone();
        let log: Arc<dyn Fn(String) + Send + Sync> =
            Arc::new(move |line: String| journal.log(UNIT, "m4_proxy", pid, line));
        let me = self.clone();
        let on_exit = Arc::new(move |p: GoPanic| me.crashed(pid, generation, p));
        let sketch = lk(&self.sketch).clone();
        match Proxy::start_with(
            self.faults.clone(),
            self.upstream.clone(),
            sketch,
            log,
            on_exit,
        ) {
            Ok(p) => {
                // The M4's calls reach the board's localhost ports (a dial of `:PORT`,
                // real-board-evidence.md §2.6): the simulator's port map (reverse forwards,
                // published ports), else the same port on the host's loopback (a test's own
                // listener).
                let ports = self.ports.clone();
                p.set_port_resolver(Arc::new(move |port| {
                    Some(
                        lk(&ports)
                            .get(&port)
                            .copied()
                            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], port))),
                    )
                }));
                p.start_sketch_loop(self.serial_counter.clone());
                {
                    let mut ports = lk(&self.ports);
                    ports.insert(5001, p.call_addr());
                    ports.insert(5000, p.register_addr());
                }
                *lk(&self.proxy) = Some(p);
                lk(&self.sys).m4_pid = pid;
            }
            Err(e) => {
                self.journal
                    .log(UNIT, "m4_proxy", pid, format!("listen tcp4 :5001: {e}"));
            }
        }
        true
    }

    /// Stop the process (no journal lines: the callers say why). Cancels a pending
    /// automatic restart.
    pub fn stop_process(&self) {
        let p = lk(&self.proxy).take();
        {
            let mut ports = lk(&self.ports);
            ports.remove(&5000);
            ports.remove(&5001);
        }
        if let Some(p) = p {
            p.stop();
        }
        let mut s = lk(&self.sys);
        s.m4_pid = 0;
        s.m4_gen += 1;
        s.m4_auto_restart = false;
    }

    /// The process `pid` panicked (called from one of its threads): it is gone at once;
    /// systemd logs the exit and schedules the restart.
    fn crashed(&self, pid: u32, generation: u64, _p: GoPanic) {
        {
            let mut s = lk(&self.sys);
            if s.m4_pid != pid || s.m4_gen != generation {
                return;
            }
            s.m4_pid = 0;
            s.m4_auto_restart = true;
            s.m4_result = "exit-code";
            s.m4_exit_status = 2;
            s.m4_since = SystemTime::now();
        }
        {
            let mut ports = lk(&self.ports);
            ports.remove(&5000);
            ports.remove(&5001);
        }
        self.journal.systemd(
            UNIT,
            format!("{UNIT}: Main process exited, code=exited, status=2/INVALIDARGUMENT"),
        );
        self.journal
            .systemd(UNIT, format!("{UNIT}: Failed with result 'exit-code'."));
        let me = self.clone();
        // The dead process's threads are joined off its own threads.
        let _ = thread::Builder::new()
            .name("sim-m4-restart".into())
            .spawn(move || {
                let dead = {
                    let mut slot = lk(&me.proxy);
                    slot.take()
                };
                if let Some(p) = dead {
                    p.stop();
                }
                thread::sleep(me.restart_delay);
                {
                    let mut s = lk(&me.sys);
                    if s.m4_gen != generation || !s.m4_auto_restart {
                        return; // stopped, restarted or reset meanwhile
                    }
                    s.m4_restarts += 1;
                    let n = s.m4_restarts;
                    drop(s);
                    me.journal.systemd(
                        UNIT,
                        format!("{UNIT}: Scheduled restart job, restart counter is at {n}."),
                    );
                    me.journal.systemd(UNIT, "Stopped M4 Proxy.");
                }
                me.start();
            });
    }

    /// `systemctl reset-failed m4-proxy`: clears the start limit, NRestarts and a failed
    /// state.
    pub fn reset_failed(&self) {
        let mut s = lk(&self.sys);
        s.m4_window = None;
        s.m4_attempts = 0;
        s.m4_restarts = 0;
        if s.m4_failed {
            s.m4_failed = false;
            s.m4_result = "success";
            s.m4_exit_status = 0;
        }
    }
}
