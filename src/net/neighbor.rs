//! The neighbour (ARP) cache of a simulated host or router, in two models.
//!
//! * [`NeighborModel::Linux`] follows net/ipv4/arp.c (`arp_process`,
//!   `arp_is_garp`) and net/core/neighbour.c (`__neigh_update`,
//!   `__neigh_event_send`, `neigh_timer_handler`, `neigh_periodic_work`) of
//!   Linux 6.18. `tests/linux_arp_table.rs` replays every case measured on a
//!   real kernel against it.
//! * [`NeighborModel::Cisco`] is a simplified router ARP table: long-lived
//!   entries refreshed by a unicast request a minute before they expire,
//!   an `arp timeout` that also applies to cached entries, no locktime,
//!   optionally deaf to gratuitous ARP.
//!
//! The cache decides and the host acts: the cache never builds frames. It
//! reports [`NeighborEvent`]s (send a request, transmit or drop what was
//! queued, what changed and why) and the host turns them into frames and
//! trace lines. Every method first runs the timers due at or before `now`,
//! so events always come out in time order.

pub use crate::engine::trace::NeighborState;
use crate::rng::SimRng;
use crate::time::{Duration, Instant};
use crate::wire::{Arp, ArpOperation, Mac};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// The kernel never arms a neighbour timer less than HZ/100 ahead
/// (`neigh_timer_handler`); the same floor keeps `poll` making progress
/// when a scenario sets a timer to zero.
const MIN_TIMER: Duration = Duration::from_millis(10);
/// `neigh_periodic_work` re-draws the random reachable time once more than
/// 300 s have passed since the previous draw.
const REACHABLE_TIME_REDRAW: Duration = Duration::from_secs(300);
/// Cisco model: how long before expiry a valid entry is re-confirmed with a
/// unicast request. A Cisco engineer's description of IOS, relayed in the
/// Cisco community thread "ARP cache timeout on Cisco routers" (2012): the
/// router sends a unicast ARP request 60 s before an entry expires. An entry
/// whose `arp timeout` is this long or shorter gets no refresh (see
/// [`NeighborCache::cisco_refresh_at`]).
const CISCO_REFRESH_LEAD: Duration = Duration::from_secs(60);

/// Why an `arpTimeout` of 0 is refused: Cisco IOS's `arp timeout 0`
/// keeps entries forever, and an entry that expired the instant it
/// resolved would never carry a packet.
pub const ZERO_ARP_TIMEOUT: &str = "arpTimeout must be longer than 0s: Cisco IOS's `arp timeout 0` keeps entries \
     forever, which vipsim does not model; give a long timeout (24h) instead";

/// Why an ARP timeout is refused on a host with a Linux cache.
pub fn no_arp_timeout_on_linux(host: &str) -> String {
    format!(
        "`{host}` keeps a Linux neighbour cache, which has no ARP timeout to set (its entries age by \
         baseReachableTime); an ARP timeout belongs to a host with `neighbor: {{ model: cisco }}`"
    )
}

/// Which device's ARP behaviour a cache follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NeighborModel {
    Linux,
    Cisco,
}

/// What the cache does with gratuitous ARP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GarpPolicy {
    Honor,
    /// Linux: `drop_gratuitous_arp=1` (every frame with sender IP = target IP
    /// is dropped before any processing). Cisco: announcements and
    /// unsolicited replies are not learned, as with ARP inspection or policy.
    Ignore,
}

/// Tunables, named after the Linux sysctls (`net.ipv4.neigh.*`,
/// `net.ipv4.conf.*.arp_accept`) where one exists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NeighborConfig {
    pub model: NeighborModel,
    pub garp: GarpPolicy,
    /// Linux: 0 creates no entry from unsolicited ARP; 1 creates one from a
    /// gratuitous ARP or any reply. 2 additionally requires the sender to be
    /// in one of the interface's subnets (`inet_confirm_addr`); the cache
    /// does not know the interface's addresses and treats 2 like 1. Only
    /// `ip neigh` output can differ: an off-link address is never resolved
    /// for forwarding.
    pub arp_accept: u8,
    /// Linux: `base_reachable_time`. The interface's reachable time is drawn
    /// uniformly from `[0.5, 1.5)` × this on first use and re-drawn every
    /// 300 s (`neigh_rand_reach_time`, `neigh_periodic_work`).
    pub base_reachable: Duration,
    /// Linux: `delay_first_probe_time`, how long DELAY waits for an
    /// upper-layer confirmation before probing.
    pub delay_first_probe: Duration,
    /// Time between solicitations (`retrans_time`), both models.
    pub retrans: Duration,
    /// Linux: `ucast_solicit`, unicast probes in PROBE before FAILED.
    pub ucast_probes: u8,
    /// `mcast_solicit`: broadcast requests while resolving, both models.
    pub mcast_probes: u8,
    /// Linux: `gc_stale_time`, how long a STALE entry may go unused before
    /// garbage collection may remove it.
    pub gc_stale: Duration,
    /// Linux: period of the garbage-collection pass. The kernel runs
    /// `neigh_periodic_work` every `base_reachable_time`/2 and never reads the
    /// `gc_interval` sysctl (30 s), so [`NeighborConfig::linux`] uses 15 s.
    pub gc_interval: Duration,
    /// Linux: `gc_thresh1`. The periodic pass removes nothing while the table
    /// holds fewer entries than this.
    pub gc_thresh1: usize,
    /// Linux: `locktime`. An ARP that would change the cached MAC within
    /// this time of the entry's last update is refused unless gratuitous.
    pub locktime: Duration,
    /// Cisco: `arp timeout`, the lifetime of a valid entry since its last
    /// refresh.
    pub arp_timeout: Duration,
}

impl NeighborConfig {
    /// Linux defaults, as read from a fresh 6.18 network namespace.
    pub fn linux() -> Self {
        NeighborConfig {
            model: NeighborModel::Linux,
            garp: GarpPolicy::Honor,
            arp_accept: 0,
            base_reachable: Duration::from_secs(30),
            delay_first_probe: Duration::from_secs(5),
            retrans: Duration::from_secs(1),
            ucast_probes: 3,
            mcast_probes: 3,
            gc_stale: Duration::from_secs(60),
            gc_interval: Duration::from_secs(15),
            gc_thresh1: 128,
            locktime: Duration::from_secs(1),
            arp_timeout: Duration::from_hours(4),
        }
    }

    /// A Cisco IOS-like router: 4 h ARP timeout.
    pub fn cisco() -> Self {
        NeighborConfig { model: NeighborModel::Cisco, ..NeighborConfig::linux() }
    }
}

impl Default for NeighborConfig {
    fn default() -> Self {
        NeighborConfig::linux()
    }
}

/// One neighbour, with the timestamps `ip -s neigh` shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NeighborEntry {
    pub ip: Ipv4Addr,
    /// The cached MAC; `None` while INCOMPLETE or FAILED, where `ip neigh`
    /// prints no lladdr either.
    pub mac: Option<Mac>,
    pub state: NeighborState,
    /// Last change of MAC or state (`neigh->updated`); locktime counts from here.
    pub updated: Instant,
    /// Last proof that the neighbour answers at `mac` (`neigh->confirmed`):
    /// a unicast reply or an upper-layer confirmation. A change to an
    /// unconfirmed MAC sets it 2 × `base_reachable_time` into the past, as the
    /// kernel does (floored at the start of the scenario).
    pub confirmed: Instant,
    /// Last time a packet went out through the slow path (`neigh->used`).
    /// Packets to a REACHABLE neighbour take the kernel's cached-header fast
    /// path, which does not update it.
    pub used: Instant,
    /// Linux: the interface's current random reachable time, which ends
    /// REACHABLE that long after `confirmed`. Cisco: `arp_timeout`.
    pub reachable_time: Duration,
    /// Linux: the solicitation counter that `ip -s neigh` prints as
    /// `probes N`. Resolution starts it at `ucast_probes`, so the first
    /// broadcast makes it 4; PROBE starts it at 0. Cisco: requests sent for
    /// the current resolution or refresh.
    pub probes: u8,
    /// Cisco: when this valid entry is removed unless refreshed first.
    pub expires: Option<Instant>,
    /// When `poll` next has work for this entry (the kernel's neighbour timer).
    timer: Option<Instant>,
    /// `confirmed` was set back because the MAC changed without
    /// confirmation. Kept apart because simulated time cannot go below zero:
    /// in a scenario's first minute the set-back `confirmed` would otherwise
    /// look like a confirmation at 0 s.
    confirmed_set_back: bool,
    /// How far below the start of the run the set-back `confirmed` would
    /// lie (it is floored there), for [`NeighborEntry::confirmed_age`].
    #[serde(default)]
    confirmed_before_start: Duration,
}

impl NeighborEntry {
    /// When the entry's timer (the kernel's `neigh->timer`) next fires, if
    /// armed: a state change or a re-check, for the playground's countdowns.
    pub fn timer(&self) -> Option<Instant> {
        self.timer
    }

    fn new(ip: Ipv4Addr, state: NeighborState, now: Instant, reachable_time: Duration) -> Self {
        NeighborEntry {
            ip,
            mac: None,
            state,
            updated: now,
            confirmed: now,
            used: now,
            reachable_time,
            probes: 0,
            expires: None,
            timer: None,
            confirmed_set_back: false,
            confirmed_before_start: Duration::ZERO,
        }
    }

    fn confirm(&mut self, now: Instant) {
        self.confirmed = now;
        self.confirmed_set_back = false;
        self.confirmed_before_start = Duration::ZERO;
    }

    fn set_back_confirmed(&mut self, now: Instant, base_reachable: Duration) {
        let back = base_reachable.mul_ratio(2, 1);
        self.confirmed = now.saturating_sub(back);
        self.confirmed_set_back = true;
        self.confirmed_before_start = back.saturating_sub(now.saturating_since(Instant::ZERO));
    }

    /// `now - neigh->confirmed`, what `ip -s neigh` prints second: an
    /// entry set back in a run's first minute counts from before the run
    /// began, as the kernel's jiffies do (2 x base_reachable_time ago).
    pub fn confirmed_age(&self, now: Instant) -> Duration {
        now.saturating_since(self.confirmed) + self.confirmed_before_start
    }

    /// Confirmed no earlier than `window` before `now` (the DELAY check).
    fn confirmed_within(&self, now: Instant, window: Duration) -> bool {
        !self.confirmed_set_back && now <= self.confirmed + window
    }

    /// `neigh_add_timer`, which also moves `used` up to `confirmed`.
    fn arm(&mut self, at: Instant) {
        self.timer = Some(at);
        self.used = self.used.max(self.confirmed);
    }

    fn snapshot(&self) -> (Option<Mac>, NeighborState) {
        (self.mac, self.state)
    }

    fn valid_mac(&self) -> Mac {
        self.mac.expect("a valid neighbour entry has a MAC")
    }
}

/// What the host must do, or may trace, after a call into the cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum NeighborEvent {
    /// Transmit an ARP request for `ip`: broadcast, or unicast to the cached
    /// MAC (Linux PROBE, Cisco refresh).
    Solicit { ip: Ipv4Addr, unicast_to: Option<Mac> },
    /// `ip` resolved: the host now transmits the packets it queued for it
    /// (by calling `resolve` again for each).
    Resolved { ip: Ipv4Addr, mac: Mac },
    /// Resolution failed: the host drops what it queued for `ip` (host
    /// unreachable).
    Failed { ip: Ipv4Addr },
    /// An entry was created, changed (MAC and/or state) or removed.
    Changed {
        ip: Ipv4Addr,
        old: Option<(Option<Mac>, NeighborState)>,
        new: Option<(Option<Mac>, NeighborState)>,
        reason: String,
    },
    /// A received ARP that was deliberately not applied, with why.
    /// (`reason` is most often a fixed sentence: a GARP every host ignores
    /// allocates nothing.)
    Ignored { ip: Ipv4Addr, mac: Mac, reason: Cow<'static, str> },
}

/// The answer to "which MAC do I send this packet to?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    Mac(Mac),
    /// The host holds the packet until `Resolved` or `Failed` for this IP.
    Queued,
    /// Resolution cannot even start (no broadcast solicitations configured):
    /// the host drops the packet.
    Failed,
}

/// The Linux interface parameters the kernel keeps per device
/// (`neigh_parms`) rather than per entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct LinuxParms {
    reachable_time: Duration,
    last_rand: Instant,
    next_periodic: Instant,
}

/// A (MAC, state) proposed to `neigh_update`.
#[derive(Clone, Copy)]
struct Update {
    mac: Mac,
    state: NeighborState,
    /// `NEIGH_UPDATE_F_OVERRIDE`: may replace a different cached MAC.
    may_override: bool,
    /// `NEIGH_UPDATE_F_ADMIN` (`ip neigh replace`): may also demote a
    /// same-MAC entry to STALE, which ARP may not.
    admin: bool,
}

/// The outcome of `neigh_update`.
enum Applied {
    Unchanged,
    /// The MAC differs, the entry is valid and the update may not override it.
    Refused,
    Changed {
        old: Option<(Option<Mac>, NeighborState)>,
        resolved: bool,
    },
}

/// The next piece of timer work, in time order.
enum Due {
    Entry(Ipv4Addr, Instant),
    Periodic(Instant),
}

/// One interface's neighbour table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NeighborCache {
    config: NeighborConfig,
    entries: BTreeMap<Ipv4Addr, NeighborEntry>,
    /// Linux only; drawn from the RNG on first use.
    linux: Option<LinuxParms>,
}

impl NeighborCache {
    pub fn new(config: NeighborConfig) -> Self {
        NeighborCache { config, entries: BTreeMap::new(), linux: None }
    }

    pub fn config(&self) -> &NeighborConfig {
        &self.config
    }

    /// Applies new settings at `now`. A different model starts from an
    /// empty table (the device was replaced); a different
    /// `base_reachable_time` re-draws the reachable time, as writing the
    /// sysctl does. Cisco: a new `arp timeout` applies to the entries
    /// already cached too, measured from their last refresh (IOS ages
    /// entries by comparing their age with the interface's current timeout:
    /// `show ip arp` shows an age, not an expiry). An entry already older
    /// than the new timeout expires on the next `poll`. Call `poll` after
    /// this to run what became due.
    pub fn set_config(&mut self, config: NeighborConfig, now: Instant) {
        if config.model != self.config.model {
            self.entries.clear();
            self.linux = None;
        } else if config.base_reachable != self.config.base_reachable {
            self.linux = None;
        }
        let retime = config.model == NeighborModel::Cisco && config.arp_timeout != self.config.arp_timeout;
        self.config = config;
        if retime {
            self.cisco_retime(now);
        }
    }

    pub fn get(&self, ip: Ipv4Addr) -> Option<&NeighborEntry> {
        self.entries.get(&ip)
    }

    /// Every entry, by ascending IP.
    pub fn entries(&self) -> impl Iterator<Item = &NeighborEntry> {
        self.entries.values()
    }

    /// The host wants to transmit to next hop `ip`.
    ///
    /// Linux: no entry or FAILED starts a resolution (INCOMPLETE, one
    /// broadcast now) and queues; INCOMPLETE queues; STALE becomes DELAY and
    /// sends; REACHABLE, DELAY, PROBE and PERMANENT send. Cisco: no entry
    /// starts a resolution; INCOMPLETE queues; valid entries send.
    pub fn resolve(
        &mut self,
        ip: Ipv4Addr,
        now: Instant,
        rng: &mut SimRng,
        out: &mut Vec<NeighborEvent>,
    ) -> Resolution {
        self.poll(now, rng, out);
        match self.config.model {
            NeighborModel::Linux => self.linux_resolve(ip, now, rng, out),
            NeighborModel::Cisco => self.cisco_resolve(ip, now, out),
        }
    }

    /// An ARP frame arrived. `unicast_to_us`: its Ethernet destination was
    /// our own MAC (`PACKET_HOST`), otherwise broadcast. `target_is_local`:
    /// it is a request for an address this host answers for; the host, not
    /// the cache, sends the reply. The host must not pass ARP whose sender
    /// IP is one of its own addresses (the kernel never caches those).
    pub fn receive_arp(
        &mut self,
        arp: &Arp,
        unicast_to_us: bool,
        target_is_local: bool,
        now: Instant,
        rng: &mut SimRng,
        out: &mut Vec<NeighborEvent>,
    ) {
        self.poll(now, rng, out);
        if !matches!(arp.op, ArpOperation::Request | ArpOperation::Reply) || arp.sender_ip.is_unspecified() {
            // arp_process understands only these two operations, and a
            // sender IP of 0.0.0.0 is an address probe (RFC 5227) that the
            // host may answer but nobody caches.
            return;
        }
        match self.config.model {
            NeighborModel::Linux => {
                self.linux_receive(arp, unicast_to_us, target_is_local, now, rng, out);
            }
            NeighborModel::Cisco => self.cisco_receive(arp, target_is_local, now, out),
        }
    }

    /// Upper-layer reachability confirmation (TCP saw forward progress:
    /// `dst_confirm` → `neigh_confirm`). Linux only records the time, like
    /// the kernel: REACHABLE lasts the reachable time from the latest
    /// confirmation, and a DELAY entry confirmed within
    /// `delay_first_probe_time` before its delay ends becomes REACHABLE
    /// instead of probing. STALE and PROBE entries do not change; only an ARP
    /// reply ends PROBE. The Cisco model has no such input.
    pub fn confirm(&mut self, ip: Ipv4Addr, now: Instant, rng: &mut SimRng, out: &mut Vec<NeighborEvent>) {
        self.poll(now, rng, out);
        if self.config.model == NeighborModel::Linux
            && let Some(entry) = self.entries.get_mut(&ip)
        {
            entry.confirm(now);
        }
    }

    /// Runs every timer due at or before `now` (state timers, retransmits,
    /// garbage collection), each at its own deadline.
    pub fn poll(&mut self, now: Instant, rng: &mut SimRng, out: &mut Vec<NeighborEvent>) {
        while let Some(due) = self.next_due(now) {
            match due {
                Due::Entry(ip, at) => match self.config.model {
                    NeighborModel::Linux => self.linux_timer(ip, at, rng, out),
                    NeighborModel::Cisco => self.cisco_timer(ip, at, out),
                },
                Due::Periodic(at) => self.linux_periodic(at, rng, out),
            }
        }
    }

    /// The earliest instant `poll` has visible work to do, or `None`. The
    /// Linux periodic pass counts only when the table is big enough for it
    /// to remove anything; its re-draw of the reachable time catches up on
    /// the next call.
    pub fn next_deadline(&self) -> Option<Instant> {
        let timers = self.entries.values().filter_map(|e| e.timer).min();
        let gc = self.linux.as_ref().filter(|_| self.entries.len() >= self.config.gc_thresh1).map(|p| p.next_periodic);
        timers.into_iter().chain(gc).min()
    }

    /// `ip neigh flush all` / `clear arp-cache`: removes every entry that is
    /// not PERMANENT. Packets queued for an INCOMPLETE entry are dropped.
    pub fn flush(&mut self, out: &mut Vec<NeighborEvent>) {
        let reason = match self.config.model {
            NeighborModel::Linux => "flushed (ip neigh flush all)",
            NeighborModel::Cisco => "cleared (clear arp-cache)",
        };
        let doomed: Vec<Ipv4Addr> =
            self.entries.values().filter(|e| e.state != NeighborState::Permanent).map(|e| e.ip).collect();
        for ip in doomed {
            self.remove(ip, reason, out);
        }
    }

    /// Test and scenario helper: installs an entry at `now`, as
    /// `ip neigh replace <ip> lladdr <mac> nud <state>` does on Linux.
    /// A valid state without a MAC keeps the entry's current MAC, or is
    /// refused (nothing changes) when there is none, like the kernel.
    /// INCOMPLETE starts a resolution whose first broadcast goes out on the
    /// next `poll` (the kernel would leave it without a timer); FAILED leaves
    /// an entry without MAC. Cisco: PERMANENT is a static entry, INCOMPLETE
    /// a resolution as above, FAILED removes the entry and every other
    /// state is a dynamic entry learned at `now`. Emits no events.
    pub fn insert(&mut self, ip: Ipv4Addr, mac: Option<Mac>, state: NeighborState, now: Instant, rng: &mut SimRng) {
        match self.config.model {
            NeighborModel::Linux => self.linux_insert(ip, mac, state, now, rng),
            NeighborModel::Cisco => self.cisco_insert(ip, mac, state, now),
        }
    }

    fn next_due(&self, now: Instant) -> Option<Due> {
        let entry = self.entries.values().filter_map(|e| e.timer.map(|t| (t, e.ip))).filter(|&(t, _)| t <= now).min();
        let periodic = self.linux.as_ref().map(|p| p.next_periodic).filter(|&t| t <= now);
        match (entry, periodic) {
            (Some((t, _)), Some(p)) if p < t => Some(Due::Periodic(p)),
            (Some((t, ip)), _) => Some(Due::Entry(ip, t)),
            (None, Some(p)) => Some(Due::Periodic(p)),
            (None, None) => None,
        }
    }

    fn remove(&mut self, ip: Ipv4Addr, reason: &str, out: &mut Vec<NeighborEvent>) {
        let Some(entry) = self.entries.remove(&ip) else {
            return;
        };
        out.push(NeighborEvent::Changed { ip, old: Some(entry.snapshot()), new: None, reason: reason.into() });
        if entry.state == NeighborState::Incomplete {
            out.push(NeighborEvent::Failed { ip });
        }
    }

    fn changed(
        &self,
        ip: Ipv4Addr,
        old: Option<(Option<Mac>, NeighborState)>,
        reason: String,
        out: &mut Vec<NeighborEvent>,
    ) {
        let new = self.entries.get(&ip).map(NeighborEntry::snapshot);
        out.push(NeighborEvent::Changed { ip, old, new, reason });
    }

    fn retrans(&self) -> Duration {
        self.config.retrans.max(MIN_TIMER)
    }

    // ------------------------------------------------------------- Linux

    /// The interface's reachable time, drawn on first use.
    fn reachable_time(&mut self, now: Instant, rng: &mut SimRng) -> Duration {
        if let Some(parms) = &self.linux {
            return parms.reachable_time;
        }
        let reachable_time = random_reachable_time(self.config.base_reachable, rng);
        let next_periodic = now + self.config.gc_interval.max(MIN_TIMER);
        self.linux = Some(LinuxParms { reachable_time, last_rand: now, next_periodic });
        self.entries.values_mut().for_each(|e| e.reachable_time = reachable_time);
        reachable_time
    }

    /// `neigh_alloc` + `neigh_create`: a fresh entry that was never confirmed.
    fn linux_allocate(
        &self,
        ip: Ipv4Addr,
        state: NeighborState,
        now: Instant,
        reachable_time: Duration,
    ) -> NeighborEntry {
        let mut entry = NeighborEntry::new(ip, state, now, reachable_time);
        entry.set_back_confirmed(now, self.config.base_reachable);
        entry
    }

    fn linux_resolve(
        &mut self,
        ip: Ipv4Addr,
        now: Instant,
        rng: &mut SimRng,
        out: &mut Vec<NeighborEvent>,
    ) -> Resolution {
        let delay = self.config.delay_first_probe;
        let Some(entry) = self.entries.get_mut(&ip) else {
            return self.linux_start_resolution(ip, now, rng, out);
        };
        match entry.state {
            NeighborState::Failed => self.linux_start_resolution(ip, now, rng, out),
            NeighborState::Incomplete => {
                entry.used = now;
                Resolution::Queued
            }
            // The cached-header fast path: nothing is recorded.
            NeighborState::Reachable | NeighborState::Permanent => Resolution::Mac(entry.valid_mac()),
            NeighborState::Delay | NeighborState::Probe => {
                entry.used = now;
                Resolution::Mac(entry.valid_mac())
            }
            NeighborState::Stale => {
                // __neigh_event_send: a packet to a STALE neighbour goes out
                // at once, and the entry waits delay_first_probe_time for a
                // confirmation before it probes.
                let old = Some(entry.snapshot());
                entry.used = now;
                entry.state = NeighborState::Delay;
                entry.updated = now;
                entry.arm(now + delay);
                let mac = entry.valid_mac();
                self.changed(ip, old, "packet sent on a STALE entry: delaying the first probe".into(), out);
                Resolution::Mac(mac)
            }
        }
    }

    /// `__neigh_event_send` from no entry or FAILED.
    fn linux_start_resolution(
        &mut self,
        ip: Ipv4Addr,
        now: Instant,
        rng: &mut SimRng,
        out: &mut Vec<NeighborEvent>,
    ) -> Resolution {
        let reachable_time = self.reachable_time(now, rng);
        let retrans = self.retrans();
        let (mcast_probes, ucast_probes) = (self.config.mcast_probes, self.config.ucast_probes);
        let old = self.entries.get(&ip).map(NeighborEntry::snapshot);
        let mut entry = match self.entries.remove(&ip) {
            Some(entry) => entry,
            None => self.linux_allocate(ip, NeighborState::Incomplete, now, reachable_time),
        };
        entry.mac = None;
        entry.used = now;
        entry.updated = now;
        entry.timer = None;
        if mcast_probes == 0 {
            entry.state = NeighborState::Failed;
            self.entries.insert(ip, entry);
            if old != Some((None, NeighborState::Failed)) {
                let reason = "resolution impossible: mcast_solicit is 0".into();
                self.changed(ip, old, reason, out);
            }
            return Resolution::Failed;
        }
        entry.state = NeighborState::Incomplete;
        // The counter starts past the unicast probes, so arp_solicit
        // broadcasts every request of a resolution.
        entry.probes = ucast_probes;
        entry.arm(now + retrans);
        self.entries.insert(ip, entry);
        let reason = if old.is_some() { "resolving again" } else { "resolving" };
        self.changed(ip, old, reason.into(), out);
        self.linux_solicit(ip, out);
        Resolution::Queued
    }

    /// `neigh_probe` → `arp_solicit`: unicast to the cached MAC while the
    /// counter is below `ucast_probes`, broadcast after.
    fn linux_solicit(&mut self, ip: Ipv4Addr, out: &mut Vec<NeighborEvent>) {
        let ucast_probes = self.config.ucast_probes;
        let Some(entry) = self.entries.get_mut(&ip) else {
            return;
        };
        let unicast_to = if entry.probes < ucast_probes { entry.mac } else { None };
        entry.probes = entry.probes.saturating_add(1);
        out.push(NeighborEvent::Solicit { ip, unicast_to });
    }

    fn linux_receive(
        &mut self,
        arp: &Arp,
        unicast_to_us: bool,
        target_is_local: bool,
        now: Instant,
        rng: &mut SimRng,
        out: &mut Vec<NeighborEvent>,
    ) {
        let (sip, sha) = (arp.sender_ip, arp.sender_mac);
        let is_request = arp.op == ArpOperation::Request;
        if arp.target_ip.is_multicast() || arp.target_ip.is_loopback() {
            return; // arp_process drops these before looking at anything else
        }
        if arp.is_announcement() && self.config.garp == GarpPolicy::Ignore {
            let reason = "garp=ignore (drop_gratuitous_arp=1): sender IP = target IP".into();
            out.push(NeighborEvent::Ignored { ip: sip, mac: sha, reason });
            return;
        }
        if is_request && target_is_local {
            // neigh_event_ns: whoever asks for us is about to talk to us, so
            // its address is cached (STALE, overriding) whatever arp_accept
            // says, and arp_process skips its generic update.
            let update = Update { mac: sha, state: NeighborState::Stale, may_override: true, admin: false };
            self.linux_learn(sip, update, "ARP request for our address", now, rng, out);
            return;
        }
        // arp_is_garp: a request with sender IP = target IP, or such a reply
        // whose target MAC equals its sender MAC, from a unicast address.
        let is_garp = arp.is_announcement() && (is_request || arp.target_mac == sha) && is_unicast(sip);
        let frame = frame_name(arp, unicast_to_us, is_garp);
        let existing = self.entries.get(&sip).map(|e| (e.state, e.mac, e.updated));
        let frame = match existing {
            Some((NeighborState::Permanent, mac, _)) => {
                if mac != Some(sha) {
                    let reason = "entry is PERMANENT".into();
                    out.push(NeighborEvent::Ignored { ip: sip, mac: sha, reason });
                }
                return;
            }
            Some(_) => Cow::Borrowed(frame),
            None => {
                // Unsolicited ARP creates an entry only with arp_accept, and
                // only from a gratuitous ARP or a reply.
                let accept = self.config.arp_accept;
                if accept != 0 && (is_garp || (!is_request && is_unicast(sip))) {
                    Cow::Owned(format!("{frame} (arp_accept={accept})"))
                } else {
                    if accept == 0 && (arp.is_announcement() || !is_request) {
                        let reason = "arp_accept=0: no entry created from unsolicited ARP".into();
                        out.push(NeighborEvent::Ignored { ip: sip, mac: sha, reason });
                    }
                    return;
                }
            }
        };
        // The first of several different answers wins for locktime after
        // the last update (arp_process: "use the FIRST one"), unless the
        // frame is gratuitous.
        let locked = existing.is_some_and(|(_, _, updated)| now <= updated + self.config.locktime);
        // Broadcast frames and requests do not assert reachability.
        let state = if !is_request && unicast_to_us { NeighborState::Reachable } else { NeighborState::Stale };
        let update = Update { mac: sha, state, may_override: !locked || is_garp, admin: false };
        self.linux_learn(sip, update, &frame, now, rng, out);
    }

    /// Applies what a received `frame` says and reports what happened.
    fn linux_learn(
        &mut self,
        ip: Ipv4Addr,
        update: Update,
        frame: &str,
        now: Instant,
        rng: &mut SimRng,
        out: &mut Vec<NeighborEvent>,
    ) {
        let mac = update.mac;
        let before = self.entries.get(&ip).map(|e| (e.state, e.mac, e.updated));
        match self.neigh_update(ip, update, now, rng) {
            Applied::Unchanged => {}
            Applied::Refused => {
                let reason = format!("within locktime ({}) and not gratuitous", self.config.locktime).into();
                out.push(NeighborEvent::Ignored { ip, mac, reason });
            }
            Applied::Changed { old, resolved } => {
                let reason = match before {
                    None => format!("{frame}: entry created"),
                    Some((old_state, _, _)) if !old_state.is_valid() => {
                        format!("{frame}: resolved")
                    }
                    Some((_, old_mac, updated)) if old_mac != Some(mac) => {
                        if now <= updated + self.config.locktime {
                            format!("{frame} accepted (overrides locktime)")
                        } else {
                            format!("{frame} accepted (locktime passed)")
                        }
                    }
                    Some(_) => format!("{frame}: reachability confirmed"),
                };
                self.changed(ip, old, reason, out);
                if resolved {
                    out.push(NeighborEvent::Resolved { ip, mac });
                }
            }
        }
    }

    /// `__neigh_update` for a valid new state, creating the entry if there
    /// is none.
    fn neigh_update(&mut self, ip: Ipv4Addr, update: Update, now: Instant, rng: &mut SimRng) -> Applied {
        let Update { mac, state: new, may_override, admin } = update;
        let reachable_time = self.reachable_time(now, rng);
        let base_reachable = self.config.base_reachable;
        let before = self.entries.get(&ip).map(NeighborEntry::snapshot);
        let old = before.map(|(_, state)| state);
        let mut entry = match self.entries.remove(&ip) {
            Some(entry) => entry,
            None => self.linux_allocate(ip, new, now, reachable_time),
        };
        entry.reachable_time = reachable_time;
        // A unicast reply confirms the neighbour even when it is refused below.
        if new.is_connected() {
            entry.confirm(now);
        }
        let old_valid = old.is_some_and(NeighborState::is_valid);
        let mac_changed = !old_valid || entry.mac != Some(mac);
        let mut new = new;
        if old_valid {
            if mac_changed && !may_override {
                self.entries.insert(ip, entry);
                return Applied::Refused;
            }
            // Hearing the MAC we already have is no news: a broadcast does
            // not demote REACHABLE (or DELAY, PROBE) to STALE.
            if !mac_changed && new == NeighborState::Stale && !admin {
                new = entry.state;
            }
        }
        // Only real changes move `updated`, so no-op updates do not extend
        // locktime.
        if old != Some(new) || mac_changed {
            entry.updated = now;
        }
        if old != Some(new) {
            entry.timer = None;
            if new == NeighborState::Probe {
                entry.probes = 0;
            }
            if new.has_timer() {
                let delay = if new == NeighborState::Reachable { reachable_time } else { Duration::ZERO };
                entry.arm(now + delay);
            }
            entry.state = new;
        }
        if mac_changed {
            entry.mac = Some(mac);
            if !new.is_connected() {
                entry.set_back_confirmed(now, base_reachable);
            }
        }
        // The packets queued while INCOMPLETE leave now through the slow path.
        let resolved = old == Some(NeighborState::Incomplete);
        if resolved {
            entry.used = now;
        }
        let after = entry.snapshot();
        self.entries.insert(ip, entry);
        if before == Some(after) { Applied::Unchanged } else { Applied::Changed { old: before, resolved } }
    }

    /// `neigh_timer_handler`, run at the entry's deadline `at`.
    fn linux_timer(&mut self, ip: Ipv4Addr, at: Instant, rng: &mut SimRng, out: &mut Vec<NeighborEvent>) {
        let reachable_time = self.reachable_time(at, rng);
        let retrans = self.retrans();
        let delay = self.config.delay_first_probe;
        let (ucast_probes, mcast_probes) = (self.config.ucast_probes, self.config.mcast_probes);
        let Some(entry) = self.entries.get_mut(&ip) else {
            return;
        };
        entry.timer = None;
        let old = entry.snapshot();
        let mut next = at + retrans;
        let mut reason = None;
        match entry.state {
            NeighborState::Reachable => {
                if at < entry.confirmed + reachable_time {
                    // Confirmed again since the timer was armed.
                    entry.timer = Some(entry.confirmed + reachable_time);
                    return;
                }
                entry.updated = at;
                if at <= entry.used + delay {
                    entry.state = NeighborState::Delay;
                    next = at + delay;
                    reason = Some("reachable time expired while in use: delaying the first probe");
                } else {
                    entry.state = NeighborState::Stale;
                    reason = Some("reachable time expired");
                }
            }
            NeighborState::Delay => {
                entry.updated = at;
                if entry.confirmed_within(at, delay) {
                    entry.state = NeighborState::Reachable;
                    next = entry.confirmed + reachable_time;
                    reason = Some("reachability confirmed during delay_first_probe_time");
                } else {
                    entry.state = NeighborState::Probe;
                    entry.probes = 0;
                    reason = Some("delay_first_probe expired: probing");
                }
            }
            NeighborState::Incomplete | NeighborState::Probe => {}
            NeighborState::Stale | NeighborState::Failed | NeighborState::Permanent => return,
        }
        let state = entry.state;
        // neigh_max_probes: PROBE sends the unicast probes (plus
        // mcast_resolicit, 0 by default and not modelled); a resolution's
        // counter starts past them and adds the broadcasts.
        let max_probes = match state {
            NeighborState::Probe => u16::from(ucast_probes),
            _ => u16::from(ucast_probes) + u16::from(mcast_probes),
        };
        let probing = matches!(state, NeighborState::Incomplete | NeighborState::Probe);
        if probing && u16::from(entry.probes) >= max_probes {
            // neigh_invalidate: give up and drop the queued packets.
            entry.state = NeighborState::Failed;
            entry.mac = None;
            entry.updated = at;
            let reason = if state == NeighborState::Incomplete {
                format!("no reply to {mcast_probes} broadcast requests: resolution failed")
            } else {
                format!("no reply to {ucast_probes} unicast probes")
            };
            self.changed(ip, Some(old), reason, out);
            if state == NeighborState::Incomplete {
                out.push(NeighborEvent::Failed { ip });
            }
            return;
        }
        if state.has_timer() {
            entry.timer = Some(next.max(at + MIN_TIMER));
        }
        if let Some(reason) = reason {
            self.changed(ip, Some(old), reason.into(), out);
        }
        if probing {
            self.linux_solicit(ip, out);
        }
    }

    /// `neigh_periodic_work`: re-draws the reachable time every 300 s and,
    /// only when the table holds at least `gc_thresh1` entries, removes FAILED
    /// entries and STALE ones unused for `gc_stale_time`. Small tables are
    /// never collected, which is why a host's STALE entries live forever.
    /// (Entries still referenced elsewhere in the kernel are kept too; the
    /// simulation has no such references.)
    fn linux_periodic(&mut self, at: Instant, rng: &mut SimRng, out: &mut Vec<NeighborEvent>) {
        let base_reachable = self.config.base_reachable;
        let period = self.config.gc_interval.max(MIN_TIMER);
        let Some(parms) = self.linux.as_mut() else {
            return;
        };
        parms.next_periodic = at + period;
        if at > parms.last_rand + REACHABLE_TIME_REDRAW {
            parms.last_rand = at;
            parms.reachable_time = random_reachable_time(base_reachable, rng);
            let reachable_time = parms.reachable_time;
            self.entries.values_mut().for_each(|e| e.reachable_time = reachable_time);
        }
        if self.entries.len() < self.config.gc_thresh1 {
            return;
        }
        let gc_stale = self.config.gc_stale;
        let mut doomed = Vec::new();
        for entry in self.entries.values_mut() {
            if entry.state == NeighborState::Permanent || entry.state.has_timer() {
                continue;
            }
            if entry.used < entry.confirmed && entry.confirmed <= at {
                entry.used = entry.confirmed;
            }
            if entry.state == NeighborState::Failed {
                doomed.push((entry.ip, "garbage collected (FAILED)".to_string()));
            } else if at >= entry.used + gc_stale {
                doomed.push((entry.ip, format!("garbage collected: unused for gc_stale_time ({gc_stale})")));
            }
        }
        for (ip, reason) in doomed {
            self.remove(ip, &reason, out);
        }
    }

    fn linux_insert(&mut self, ip: Ipv4Addr, mac: Option<Mac>, state: NeighborState, now: Instant, rng: &mut SimRng) {
        let reachable_time = self.reachable_time(now, rng);
        match state {
            NeighborState::Incomplete | NeighborState::Failed => {
                let mut entry = match self.entries.remove(&ip) {
                    Some(entry) => entry,
                    None => self.linux_allocate(ip, state, now, reachable_time),
                };
                entry.state = state;
                entry.mac = None;
                entry.updated = now;
                entry.timer = None;
                if state == NeighborState::Incomplete {
                    entry.used = now;
                    entry.probes = self.config.ucast_probes;
                    entry.arm(now);
                }
                self.entries.insert(ip, entry);
            }
            _ => {
                let current = self.entries.get(&ip).filter(|e| e.state.is_valid()).and_then(|e| e.mac);
                if let Some(mac) = mac.or(current) {
                    self.neigh_update(ip, Update { mac, state, may_override: true, admin: true }, now, rng);
                }
            }
        }
    }

    // ------------------------------------------------------------- Cisco
    //
    // Simplified from IOS: a valid entry is REACHABLE until `arp_timeout`
    // after its last refresh, with one unicast refresh request 60 s before
    // that (none when the timeout is 60 s or less); a resolution is
    // `mcast_probes` broadcasts `retrans` apart, after which the entry is
    // removed (IOS keeps showing it as Incomplete for a while). Any ARP from
    // a known sender updates and renews its entry at once (there is no
    // locktime); only replies to our requests and requests for our own
    // address create entries.

    /// When an entry refreshed at `refreshed` sends its unicast refresh
    /// request: `CISCO_REFRESH_LEAD` before it expires. With a timeout of
    /// the lead or less that instant is at or before the refresh itself;
    /// the public IOS material gives no rule for it (ipspace.net, "ARP
    /// entries are periodically refreshed if you use CEF switching", only
    /// says entries are refreshed "as they expire"), so the entry is not
    /// refreshed: it expires, and the next packet for it resolves it again
    /// with a broadcast. Before this rule a 30 s timeout re-armed the
    /// refresh at once after every answer: a request every few microseconds.
    fn cisco_refresh_at(&self, refreshed: Instant) -> Option<Instant> {
        let timeout = self.config.arp_timeout;
        (timeout > CISCO_REFRESH_LEAD).then(|| (refreshed + timeout).saturating_sub(CISCO_REFRESH_LEAD))
    }

    /// A new `arp timeout` for the entries already cached: each dynamic
    /// entry now expires `arp_timeout` after its last refresh, and its
    /// refresh request is due as for a fresh entry (at once if that instant
    /// has passed). An outstanding refresh keeps waiting for its answer.
    fn cisco_retime(&mut self, now: Instant) {
        let timeout = self.config.arp_timeout;
        let ips: Vec<Ipv4Addr> =
            self.entries.values().filter(|e| e.state == NeighborState::Reachable).map(|e| e.ip).collect();
        for ip in ips {
            let refresh = {
                let e = &self.entries[&ip];
                if e.probes > 0 { None } else { self.cisco_refresh_at(e.confirmed) }
            };
            let e = self.entries.get_mut(&ip).expect("listed above");
            let expires = e.confirmed + timeout;
            e.reachable_time = timeout;
            e.expires = Some(expires);
            e.timer = Some(refresh.unwrap_or(expires).max(now));
        }
    }

    fn cisco_resolve(&mut self, ip: Ipv4Addr, now: Instant, out: &mut Vec<NeighborEvent>) -> Resolution {
        if let Some(entry) = self.entries.get_mut(&ip) {
            entry.used = now;
            return match entry.state {
                NeighborState::Incomplete => Resolution::Queued,
                _ => Resolution::Mac(entry.valid_mac()),
            };
        }
        if self.config.mcast_probes == 0 {
            return Resolution::Failed;
        }
        self.entries.insert(ip, NeighborEntry::new(ip, NeighborState::Incomplete, now, self.config.arp_timeout));
        self.changed(ip, None, "resolving".into(), out);
        self.cisco_solicit_broadcast(ip, now, out);
        Resolution::Queued
    }

    fn cisco_solicit_broadcast(&mut self, ip: Ipv4Addr, now: Instant, out: &mut Vec<NeighborEvent>) {
        let retrans = self.retrans();
        let Some(entry) = self.entries.get_mut(&ip) else {
            return;
        };
        entry.probes = entry.probes.saturating_add(1);
        entry.timer = Some(now + retrans);
        out.push(NeighborEvent::Solicit { ip, unicast_to: None });
    }

    fn cisco_timer(&mut self, ip: Ipv4Addr, at: Instant, out: &mut Vec<NeighborEvent>) {
        let mcast_probes = self.config.mcast_probes;
        let Some(entry) = self.entries.get_mut(&ip) else {
            return;
        };
        entry.timer = None;
        match (entry.state, entry.expires) {
            (NeighborState::Incomplete, _) if entry.probes >= mcast_probes => {
                self.remove(ip, &format!("no reply to {mcast_probes} ARP requests: entry removed"), out);
            }
            (NeighborState::Incomplete, _) => self.cisco_solicit_broadcast(ip, at, out),
            (_, Some(expires)) if at >= expires => {
                let reason = if entry.probes > 0 {
                    format!("ARP timeout ({}) expired: no reply to the refresh request", self.config.arp_timeout)
                } else {
                    format!("ARP timeout ({}) expired", self.config.arp_timeout)
                };
                self.remove(ip, &reason, out);
            }
            (_, Some(expires)) => {
                entry.probes = 1;
                entry.timer = Some(expires);
                out.push(NeighborEvent::Solicit { ip, unicast_to: entry.mac });
            }
            (_, None) => {}
        }
    }

    fn cisco_receive(&mut self, arp: &Arp, target_is_local: bool, now: Instant, out: &mut Vec<NeighborEvent>) {
        let (sip, sha) = (arp.sender_ip, arp.sender_mac);
        let is_request = arp.op == ArpOperation::Request;
        let ignore = self.config.garp == GarpPolicy::Ignore;
        let ignored = |reason: &'static str, out: &mut Vec<NeighborEvent>| {
            out.push(NeighborEvent::Ignored { ip: sip, mac: sha, reason: reason.into() });
        };
        if arp.is_announcement() && ignore {
            return ignored("garp=ignore policy: sender IP = target IP", out);
        }
        let frame = match (arp.is_announcement(), is_request) {
            (true, _) => "gratuitous ARP",
            (false, true) => "ARP request",
            (false, false) => "ARP reply",
        };
        match self.entries.get(&sip).map(|e| (e.state, e.mac, e.probes)) {
            Some((NeighborState::Permanent, mac, _)) if mac != Some(sha) => {
                ignored("static ARP entry", out);
            }
            Some((NeighborState::Permanent, ..)) => {}
            Some((state, _, probes)) => {
                // A refresh request is outstanding while `probes` is set.
                let solicited = state == NeighborState::Incomplete || probes > 0;
                if ignore && !is_request && !solicited {
                    return ignored("garp=ignore policy: unsolicited ARP reply", out);
                }
                self.cisco_learn(sip, sha, frame, now, out);
            }
            None if is_request && target_is_local => {
                self.cisco_learn(sip, sha, "ARP request for our address", now, out);
            }
            None if arp.is_announcement() || !is_request => {
                ignored("no entry: only replies to our requests and requests for our address create one", out);
            }
            None => {}
        }
    }

    /// Learns `mac` for `ip` from a received `frame` and reports it.
    fn cisco_learn(&mut self, ip: Ipv4Addr, mac: Mac, frame: &str, now: Instant, out: &mut Vec<NeighborEvent>) {
        let old = self.cisco_store(ip, mac, now);
        let new = (Some(mac), NeighborState::Reachable);
        if old == Some(new) {
            return; // renewed only
        }
        let reason = match old {
            None => format!("{frame}: entry created"),
            Some((_, NeighborState::Incomplete)) => format!("{frame}: resolved"),
            Some(_) => format!("{frame}: MAC updated"),
        };
        self.changed(ip, old, reason, out);
        if matches!(old, Some((_, NeighborState::Incomplete))) {
            out.push(NeighborEvent::Resolved { ip, mac });
        }
    }

    /// Stores `mac` for `ip` as valid and renews its lifetime; returns what
    /// the entry was.
    fn cisco_store(&mut self, ip: Ipv4Addr, mac: Mac, now: Instant) -> Option<(Option<Mac>, NeighborState)> {
        let arp_timeout = self.config.arp_timeout;
        let old = self.entries.get(&ip).map(NeighborEntry::snapshot);
        let mut entry = self
            .entries
            .remove(&ip)
            .unwrap_or_else(|| NeighborEntry::new(ip, NeighborState::Reachable, now, arp_timeout));
        let expires = now + arp_timeout;
        entry.mac = Some(mac);
        entry.state = NeighborState::Reachable;
        entry.confirm(now);
        entry.probes = 0;
        entry.expires = Some(expires);
        entry.reachable_time = arp_timeout;
        entry.timer = Some(self.cisco_refresh_at(now).unwrap_or(expires));
        if old != Some(entry.snapshot()) {
            entry.updated = now;
        }
        self.entries.insert(ip, entry);
        old
    }

    fn cisco_insert(&mut self, ip: Ipv4Addr, mac: Option<Mac>, state: NeighborState, now: Instant) {
        let arp_timeout = self.config.arp_timeout;
        let current = self.entries.get(&ip).filter(|e| e.state.is_valid()).and_then(|e| e.mac);
        match (state, mac.or(current)) {
            (NeighborState::Failed, _) => {
                self.entries.remove(&ip);
            }
            (NeighborState::Incomplete, _) => {
                let mut entry = NeighborEntry::new(ip, state, now, arp_timeout);
                entry.timer = Some(now);
                self.entries.insert(ip, entry);
            }
            (NeighborState::Permanent, Some(mac)) => {
                let mut entry = NeighborEntry::new(ip, state, now, arp_timeout);
                entry.mac = Some(mac);
                self.entries.insert(ip, entry);
            }
            (_, Some(mac)) => {
                self.cisco_store(ip, mac, now);
            }
            (_, None) => {}
        }
    }
}

/// `neigh_rand_reach_time`: uniform in `[base/2, 3·base/2)`, in integer
/// nanoseconds so every platform draws the same value.
fn random_reachable_time(base: Duration, rng: &mut SimRng) -> Duration {
    if base == Duration::ZERO {
        return Duration::ZERO;
    }
    Duration::from_nanos(rng.range_u64(0, base.as_nanos() - 1)) + base.mul_ratio(1, 2)
}

/// What `inet_addr_type` would call `RTN_UNICAST`, short of knowing the
/// host's own addresses.
fn is_unicast(ip: Ipv4Addr) -> bool {
    !(ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast())
}

/// How the trace names a received frame.
fn frame_name(arp: &Arp, unicast_to_us: bool, is_garp: bool) -> &'static str {
    match (arp.op == ArpOperation::Request, is_garp, unicast_to_us) {
        (true, true, _) => "gratuitous ARP request",
        (true, false, _) => "ARP request",
        (false, true, _) => "gratuitous ARP reply",
        (false, false, true) => "ARP reply",
        (false, false, false) => "broadcast ARP reply",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::arp::{self as frames, GarpKind};
    use crate::wire::{Frame, Parsed};

    const ME: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const PEER: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 9);
    const ME_MAC: Mac = Mac([2, 0, 0, 0, 0, 0x01]);
    const A: Mac = Mac([2, 0, 0, 0, 0, 0x0a]);
    const B: Mac = Mac([2, 0, 0, 0, 0, 0x0b]);
    const C: Mac = Mac([2, 0, 0, 0, 0, 0x0c]);

    fn ms(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    fn secs(s: u64) -> Instant {
        Instant::from_secs(s)
    }

    fn name(mac: Mac) -> String {
        match mac {
            A => "A".into(),
            B => "B".into(),
            C => "C".into(),
            other => other.to_string(),
        }
    }

    fn show((t, event): &(Instant, NeighborEvent)) -> String {
        let entry = |e: &Option<(Option<Mac>, NeighborState)>| match e {
            None => "none".to_string(),
            Some((None, state)) => state.to_string(),
            Some((Some(mac), state)) => format!("{} {state}", name(*mac)),
        };
        match event {
            NeighborEvent::Solicit { ip, unicast_to: None } => format!("{t} {ip} solicit broadcast"),
            NeighborEvent::Solicit { ip, unicast_to: Some(mac) } => format!("{t} {ip} solicit unicast {}", name(*mac)),
            NeighborEvent::Resolved { ip, mac } => format!("{t} {ip} resolved {}", name(*mac)),
            NeighborEvent::Failed { ip } => format!("{t} {ip} failed"),
            NeighborEvent::Changed { ip, old, new, reason } => {
                format!("{t} {ip} {} -> {}: {reason}", entry(old), entry(new))
            }
            NeighborEvent::Ignored { ip, mac, reason } => {
                format!("{t} {ip} ignored from {}: {reason}", name(*mac))
            }
        }
    }

    /// A host's cache driven like the simulator drives it, with a timeline
    /// of everything it reported.
    struct Bench {
        cache: NeighborCache,
        rng: SimRng,
        log: Vec<(Instant, NeighborEvent)>,
    }

    impl Bench {
        fn new(config: NeighborConfig) -> Self {
            Bench { cache: NeighborCache::new(config), rng: SimRng::new(7), log: Vec::new() }
        }

        fn record(&mut self, t: Instant, events: Vec<NeighborEvent>) {
            for event in events {
                let resolved = match event {
                    NeighborEvent::Resolved { ip, .. } => Some(ip),
                    _ => None,
                };
                self.log.push((t, event));
                // The host transmits what it queued.
                if let Some(ip) = resolved {
                    self.resolve(ip, t);
                }
            }
        }

        /// Polls at every deadline up to `t`.
        fn run_until(&mut self, t: Instant) {
            while let Some(deadline) = self.cache.next_deadline().filter(|&d| d <= t) {
                let mut events = Vec::new();
                self.cache.poll(deadline, &mut self.rng, &mut events);
                self.record(deadline, events);
            }
        }

        fn resolve(&mut self, ip: Ipv4Addr, t: Instant) -> Resolution {
            self.run_until(t);
            let mut events = Vec::new();
            let resolution = self.cache.resolve(ip, t, &mut self.rng, &mut events);
            self.record(t, events);
            resolution
        }

        fn receive(&mut self, frame: Frame, t: Instant) {
            self.run_until(t);
            let Parsed::Arp { eth_dst, arp, .. } = frame.parse() else { panic!("not ARP") };
            let target_is_local = arp.op == ArpOperation::Request && arp.target_ip == ME;
            let mut events = Vec::new();
            self.cache.receive_arp(&arp, eth_dst == ME_MAC, target_is_local, t, &mut self.rng, &mut events);
            self.record(t, events);
        }

        fn confirm(&mut self, ip: Ipv4Addr, t: Instant) {
            self.run_until(t);
            let mut events = Vec::new();
            self.cache.confirm(ip, t, &mut self.rng, &mut events);
            self.record(t, events);
        }

        fn insert(&mut self, ip: Ipv4Addr, mac: Option<Mac>, state: NeighborState, t: Instant) {
            self.cache.insert(ip, mac, state, t, &mut self.rng);
        }

        fn entry(&self, ip: Ipv4Addr) -> &NeighborEntry {
            self.cache.get(ip).expect("entry exists")
        }

        fn state(&self, ip: Ipv4Addr) -> Option<(Option<Mac>, NeighborState)> {
            self.cache.get(ip).map(NeighborEntry::snapshot)
        }

        fn take(&mut self) -> Vec<String> {
            self.log.drain(..).map(|e| show(&e)).collect()
        }

        /// PEER resolved to `mac` by a unicast reply at `t`.
        fn resolved_at(&mut self, mac: Mac, t: Instant) {
            assert_eq!(self.resolve(PEER, t), Resolution::Queued);
            self.receive(reply_to_me(mac), t + Duration::from_millis(10));
            assert_eq!(self.state(PEER), Some((Some(mac), NeighborState::Reachable)));
            self.take();
        }
    }

    fn reply_to_me(mac: Mac) -> Frame {
        frames::reply(mac, PEER, ME_MAC, ME)
    }

    fn garp(kind: GarpKind, mac: Mac) -> Frame {
        frames::gratuitous(kind, mac, PEER)
    }

    /// The first reachable time a cache seeded like `Bench` draws.
    fn drawn_reachable_times(n: usize) -> Vec<Duration> {
        let mut rng = SimRng::new(7);
        (0..n).map(|_| random_reachable_time(Duration::from_secs(30), &mut rng)).collect()
    }

    #[test]
    fn linux_resolution_broadcasts_three_requests_then_fails_at_3s() {
        let mut b = Bench::new(NeighborConfig::linux());
        assert_eq!(b.resolve(PEER, secs(0)), Resolution::Queued);
        assert_eq!(b.resolve(PEER, ms(500)), Resolution::Queued, "a second packet waits too");
        b.run_until(secs(10));
        assert_eq!(
            b.take(),
            [
                "0.000s 10.0.0.9 none -> INCOMPLETE: resolving",
                "0.000s 10.0.0.9 solicit broadcast",
                "1.000s 10.0.0.9 solicit broadcast",
                "2.000s 10.0.0.9 solicit broadcast",
                "3.000s 10.0.0.9 INCOMPLETE -> FAILED: no reply to 3 broadcast requests: resolution failed",
                "3.000s 10.0.0.9 failed",
            ]
        );
        assert_eq!(b.entry(PEER).probes, 6, "ip -s neigh counts from ucast_solicit");
        assert_eq!(b.resolve(PEER, secs(20)), Resolution::Queued, "a FAILED entry resolves again");
        assert_eq!(
            b.take(),
            ["20.000s 10.0.0.9 FAILED -> INCOMPLETE: resolving again", "20.000s 10.0.0.9 solicit broadcast"]
        );
    }

    #[test]
    fn linux_without_broadcast_probes_fails_at_once() {
        let mut b = Bench::new(NeighborConfig { mcast_probes: 0, ..NeighborConfig::linux() });
        assert_eq!(b.resolve(PEER, secs(0)), Resolution::Failed);
        assert_eq!(b.state(PEER), Some((None, NeighborState::Failed)));
    }

    #[test]
    fn linux_reachable_turns_stale_after_the_random_reachable_time() {
        let mut b = Bench::new(NeighborConfig::linux());
        assert_eq!(b.resolve(PEER, secs(0)), Resolution::Queued);
        b.receive(reply_to_me(A), ms(10));
        assert_eq!(
            b.take(),
            [
                "0.000s 10.0.0.9 none -> INCOMPLETE: resolving",
                "0.000s 10.0.0.9 solicit broadcast",
                "0.010s 10.0.0.9 INCOMPLETE -> A REACHABLE: ARP reply: resolved",
                "0.010s 10.0.0.9 resolved A",
            ]
        );
        let reachable_time = b.entry(PEER).reachable_time;
        assert_eq!(reachable_time, drawn_reachable_times(1)[0]);
        assert!(Duration::from_secs(15) <= reachable_time && reachable_time < Duration::from_secs(45));
        let expiry = ms(10) + reachable_time;
        b.run_until(expiry.saturating_sub(Duration::from_nanos(1)));
        assert_eq!(b.state(PEER), Some((Some(A), NeighborState::Reachable)));
        b.run_until(expiry);
        assert_eq!(b.take(), [format!("{expiry} 10.0.0.9 A REACHABLE -> A STALE: reachable time expired")]);
    }

    #[test]
    fn linux_stale_in_use_waits_5s_then_sends_3_unicast_probes_then_fails() {
        let mut b = Bench::new(NeighborConfig::linux());
        b.insert(PEER, Some(A), NeighborState::Stale, secs(0));
        assert_eq!(b.resolve(PEER, secs(1)), Resolution::Mac(A), "STALE still sends at once");
        b.run_until(ms(7500));
        assert_eq!(b.resolve(PEER, ms(7500)), Resolution::Mac(A), "PROBE keeps sending to the cached MAC");
        b.run_until(secs(20));
        assert_eq!(
            b.take(),
            [
                "1.000s 10.0.0.9 A STALE -> A DELAY: packet sent on a STALE entry: delaying the first probe",
                "6.000s 10.0.0.9 A DELAY -> A PROBE: delay_first_probe expired: probing",
                "6.000s 10.0.0.9 solicit unicast A",
                "7.000s 10.0.0.9 solicit unicast A",
                "8.000s 10.0.0.9 solicit unicast A",
                "9.000s 10.0.0.9 A PROBE -> FAILED: no reply to 3 unicast probes",
            ]
        );
    }

    #[test]
    fn linux_unicast_reply_ends_probe() {
        let mut b = Bench::new(NeighborConfig::linux());
        b.insert(PEER, Some(A), NeighborState::Stale, secs(0));
        b.resolve(PEER, secs(1));
        b.run_until(secs(6));
        b.take();
        b.receive(reply_to_me(A), ms(6200));
        assert_eq!(b.take(), ["6.200s 10.0.0.9 A PROBE -> A REACHABLE: ARP reply: reachability confirmed"]);
        b.run_until(secs(9));
        assert!(b.take().is_empty(), "no more probes");
    }

    #[test]
    fn linux_confirmation_during_delay_makes_the_entry_reachable_without_probing() {
        let mut b = Bench::new(NeighborConfig::linux());
        b.insert(PEER, Some(A), NeighborState::Stale, secs(0));
        b.resolve(PEER, secs(1));
        b.confirm(PEER, secs(3));
        b.run_until(secs(8));
        assert_eq!(
            b.take(),
            [
                "1.000s 10.0.0.9 A STALE -> A DELAY: packet sent on a STALE entry: delaying the first probe",
                "6.000s 10.0.0.9 A DELAY -> A REACHABLE: reachability confirmed during delay_first_probe_time",
            ]
        );
        let stale_at = secs(3) + b.entry(PEER).reachable_time;
        assert_eq!(b.cache.next_deadline(), Some(stale_at), "REACHABLE counts from the confirmation");
    }

    #[test]
    fn linux_entry_learned_at_time_zero_is_not_mistaken_for_confirmed() {
        // `confirmed` is set back 60 s on a MAC change, which time zero cannot show.
        let mut b = Bench::new(NeighborConfig::linux());
        b.insert(PEER, Some(A), NeighborState::Stale, secs(0));
        b.resolve(PEER, secs(0));
        b.run_until(secs(5));
        assert_eq!(b.state(PEER), Some((Some(A), NeighborState::Probe)));
    }

    #[test]
    fn linux_garp_reply_from_a_new_mac_within_and_after_locktime() {
        let mut b = Bench::new(NeighborConfig::linux());
        b.resolved_at(A, secs(0)); // updated at 10 ms
        // MetalLB's reply (target MAC ff:ff:..) is not gratuitous to Linux.
        b.receive(garp(GarpKind::ReplyBroadcast, B), ms(510));
        // The RFC-style reply (target MAC = sender MAC) is.
        b.receive(garp(GarpKind::ReplySelf, B), ms(510));
        // Locktime ends strictly after updated + 1 s (time_after).
        b.receive(garp(GarpKind::ReplyBroadcast, C), ms(1510));
        b.receive(garp(GarpKind::ReplyBroadcast, C), ms(1511));
        assert_eq!(
            b.take(),
            [
                "0.510s 10.0.0.9 ignored from B: within locktime (1s) and not gratuitous",
                "0.510s 10.0.0.9 A REACHABLE -> B STALE: gratuitous ARP reply accepted (overrides locktime)",
                "1.510s 10.0.0.9 ignored from C: within locktime (1s) and not gratuitous",
                "1.511s 10.0.0.9 B STALE -> C STALE: broadcast ARP reply accepted (locktime passed)",
            ]
        );
    }

    #[test]
    fn linux_gratuitous_request_overrides_locktime_whatever_its_target_mac() {
        for kind in [GarpKind::RequestZero, GarpKind::RequestBroadcast] {
            let mut b = Bench::new(NeighborConfig::linux());
            b.resolved_at(A, secs(0));
            b.receive(garp(kind, B), ms(10));
            assert_eq!(
                b.take(),
                ["0.010s 10.0.0.9 A REACHABLE -> B STALE: gratuitous ARP request accepted (overrides locktime)"]
            );
        }
    }

    #[test]
    fn linux_owner_reannouncing_its_mac_changes_nothing() {
        let mut b = Bench::new(NeighborConfig::linux());
        b.resolved_at(A, secs(0));
        b.receive(garp(GarpKind::RequestZero, A), secs(2));
        b.receive(garp(GarpKind::ReplyBroadcast, A), secs(3));
        assert!(b.take().is_empty());
        assert_eq!(b.state(PEER), Some((Some(A), NeighborState::Reachable)));
        assert_eq!(b.entry(PEER).updated, ms(10), "a no-op does not extend locktime");
    }

    #[test]
    fn linux_confirmed_follows_the_kernel() {
        let mut b = Bench::new(NeighborConfig::linux());
        b.resolved_at(A, secs(100));
        // A refused unicast reply still confirms the entry it could not change.
        b.receive(reply_to_me(B), ms(100_500));
        assert_eq!(b.state(PEER), Some((Some(A), NeighborState::Reachable)));
        assert_eq!(b.entry(PEER).confirmed, ms(100_500));
        // A new, unconfirmed MAC sets `confirmed` 2 × base_reachable_time back.
        b.receive(garp(GarpKind::RequestZero, B), secs(102));
        assert_eq!(b.entry(PEER).confirmed, secs(42));
    }

    #[test]
    fn linux_arp_accept_decides_whether_unsolicited_arp_creates_an_entry() {
        let request_for_someone_else = frames::request(B, PEER, Ipv4Addr::new(10, 0, 0, 50), None);

        let mut b = Bench::new(NeighborConfig::linux());
        b.receive(garp(GarpKind::RequestZero, B), secs(1));
        b.receive(request_for_someone_else.clone(), secs(2));
        assert_eq!(b.take(), ["1.000s 10.0.0.9 ignored from B: arp_accept=0: no entry created from unsolicited ARP"]);
        assert_eq!(b.cache.entries().count(), 0);

        let mut b = Bench::new(NeighborConfig { arp_accept: 1, ..NeighborConfig::linux() });
        b.receive(request_for_someone_else, secs(1));
        b.receive(garp(GarpKind::RequestZero, B), secs(2));
        assert_eq!(b.take(), ["2.000s 10.0.0.9 none -> B STALE: gratuitous ARP request (arp_accept=1): entry created"]);
    }

    #[test]
    fn linux_request_for_our_address_caches_the_asker_whatever_arp_accept() {
        let mut b = Bench::new(NeighborConfig::linux());
        b.receive(frames::request(B, PEER, ME, None), secs(1));
        assert_eq!(b.take(), ["1.000s 10.0.0.9 none -> B STALE: ARP request for our address: entry created"]);

        let mut b = Bench::new(NeighborConfig::linux());
        b.resolved_at(A, secs(0));
        b.receive(frames::request(B, PEER, ME, None), ms(100));
        assert_eq!(b.state(PEER), Some((Some(B), NeighborState::Stale)), "neigh_event_ns overrides locktime");
    }

    #[test]
    fn linux_garp_ignore_drops_announcements_before_anything_else() {
        let config = NeighborConfig { garp: GarpPolicy::Ignore, arp_accept: 1, ..NeighborConfig::linux() };
        let mut b = Bench::new(config);
        b.resolved_at(A, secs(0));
        b.receive(garp(GarpKind::RequestZero, B), secs(5));
        b.receive(garp(GarpKind::ReplySelf, B), secs(6));
        assert_eq!(
            b.take(),
            [
                "5.000s 10.0.0.9 ignored from B: garp=ignore (drop_gratuitous_arp=1): sender IP = target IP",
                "6.000s 10.0.0.9 ignored from B: garp=ignore (drop_gratuitous_arp=1): sender IP = target IP",
            ]
        );
        assert_eq!(b.state(PEER), Some((Some(A), NeighborState::Reachable)));
        // An ordinary reply is still taken once locktime has passed.
        b.receive(reply_to_me(B), secs(7));
        assert_eq!(b.state(PEER), Some((Some(B), NeighborState::Reachable)));
    }

    #[test]
    fn linux_gc_removes_nothing_below_gc_thresh1() {
        let populate = |b: &mut Bench| {
            for host in 1..=3 {
                b.insert(Ipv4Addr::new(10, 0, 1, host), Some(A), NeighborState::Stale, secs(0));
            }
            b.insert(Ipv4Addr::new(10, 0, 1, 4), None, NeighborState::Failed, secs(0));
            b.insert(Ipv4Addr::new(10, 0, 1, 5), Some(B), NeighborState::Permanent, secs(0));
        };

        let mut b = Bench::new(NeighborConfig::linux());
        populate(&mut b);
        assert_eq!(b.cache.next_deadline(), None, "5 entries < gc_thresh1 128: nothing to collect");
        b.run_until(secs(3600));
        let mut events = Vec::new();
        b.cache.poll(secs(3600), &mut b.rng, &mut events);
        assert!(events.is_empty());
        assert_eq!(b.cache.entries().count(), 5, "STALE and FAILED entries live on");

        let mut b = Bench::new(NeighborConfig { gc_thresh1: 4, ..NeighborConfig::linux() });
        populate(&mut b);
        b.run_until(secs(3600));
        assert_eq!(
            b.take(),
            [
                "15.000s 10.0.1.4 FAILED -> none: garbage collected (FAILED)",
                "60.000s 10.0.1.1 A STALE -> none: garbage collected: unused for gc_stale_time (1m)",
                "60.000s 10.0.1.2 A STALE -> none: garbage collected: unused for gc_stale_time (1m)",
                "60.000s 10.0.1.3 A STALE -> none: garbage collected: unused for gc_stale_time (1m)",
            ]
        );
        let left: Vec<_> = b.cache.entries().map(|e| e.state).collect();
        assert_eq!(left, [NeighborState::Permanent]);
    }

    #[test]
    fn linux_reachable_time_is_per_interface_and_redrawn_every_300s() {
        let mut b = Bench::new(NeighborConfig::linux());
        let other = Ipv4Addr::new(10, 0, 0, 10);
        b.insert(PEER, Some(A), NeighborState::Reachable, secs(0));
        b.insert(other, Some(B), NeighborState::Reachable, secs(1));
        let draws = drawn_reachable_times(2);
        assert_eq!((b.entry(PEER).reachable_time, b.entry(other).reachable_time), (draws[0], draws[0]));
        b.run_until(secs(316));
        let mut events = Vec::new();
        b.cache.poll(secs(316), &mut b.rng, &mut events); // the periodic pass at 315 s
        assert_eq!((b.entry(PEER).reachable_time, b.entry(other).reachable_time), (draws[1], draws[1]));
    }

    #[test]
    fn linux_unicast_reply_from_the_same_mac_extends_reachable() {
        let mut b = Bench::new(NeighborConfig::linux());
        b.resolved_at(A, secs(0));
        b.receive(reply_to_me(A), secs(10));
        assert!(b.take().is_empty());
        let stale_at = secs(10) + b.entry(PEER).reachable_time;
        b.run_until(stale_at.saturating_sub(Duration::from_nanos(1)));
        assert_eq!(b.state(PEER), Some((Some(A), NeighborState::Reachable)));
        b.run_until(stale_at);
        assert_eq!(b.state(PEER), Some((Some(A), NeighborState::Stale)));
    }

    #[test]
    fn inserted_incomplete_entry_starts_resolving_on_the_next_poll() {
        for config in [NeighborConfig::linux(), NeighborConfig::cisco()] {
            let mut b = Bench::new(config);
            b.insert(PEER, None, NeighborState::Incomplete, secs(1));
            b.run_until(secs(1));
            assert_eq!(b.take(), ["1.000s 10.0.0.9 solicit broadcast"]);
            b.receive(reply_to_me(A), secs(2));
            assert_eq!(b.state(PEER), Some((Some(A), NeighborState::Reachable)));
        }
    }

    #[test]
    fn flush_keeps_permanent_entries_and_fails_pending_resolutions() {
        let mut b = Bench::new(NeighborConfig::linux());
        let (fixed, stale) = (Ipv4Addr::new(10, 0, 0, 2), Ipv4Addr::new(10, 0, 0, 3));
        b.insert(fixed, Some(A), NeighborState::Permanent, secs(0));
        b.insert(stale, Some(B), NeighborState::Stale, secs(0));
        b.resolve(PEER, secs(0));
        b.take();
        let mut events = Vec::new();
        b.cache.flush(&mut events);
        b.record(secs(0), events);
        assert_eq!(
            b.take(),
            [
                "0.000s 10.0.0.3 B STALE -> none: flushed (ip neigh flush all)",
                "0.000s 10.0.0.9 INCOMPLETE -> none: flushed (ip neigh flush all)",
                "0.000s 10.0.0.9 failed",
            ]
        );
        assert_eq!(b.cache.entries().map(|e| e.ip).collect::<Vec<_>>(), [fixed]);
    }

    #[test]
    fn cisco_entry_lives_arp_timeout_and_is_refreshed_a_minute_before() {
        let mut b = Bench::new(NeighborConfig::cisco());
        b.resolve(PEER, secs(0));
        b.receive(reply_to_me(A), ms(10));
        assert_eq!(
            b.take(),
            [
                "0.000s 10.0.0.9 none -> INCOMPLETE: resolving",
                "0.000s 10.0.0.9 solicit broadcast",
                "0.010s 10.0.0.9 INCOMPLETE -> A REACHABLE: ARP reply: resolved",
                "0.010s 10.0.0.9 resolved A",
            ]
        );
        let expires = ms(10) + Duration::from_hours(4);
        assert_eq!(b.entry(PEER).expires, Some(expires));
        let refresh = expires.saturating_sub(Duration::from_secs(60));
        b.run_until(refresh);
        assert_eq!(b.take(), [format!("{refresh} 10.0.0.9 solicit unicast A")]);
        // The answer renews the entry silently.
        let answered = refresh + Duration::from_millis(5);
        b.receive(reply_to_me(A), answered);
        assert!(b.take().is_empty());
        let expires = answered + Duration::from_hours(4);
        assert_eq!(b.entry(PEER).expires, Some(expires));
        // Without an answer the entry goes at expiry.
        b.run_until(expires + Duration::from_hours(1));
        assert_eq!(
            b.take(),
            [
                format!("{} 10.0.0.9 solicit unicast A", expires.saturating_sub(Duration::from_secs(60))),
                format!(
                    "{expires} 10.0.0.9 A REACHABLE -> none: ARP timeout (4h) expired: no reply to the refresh request"
                ),
            ]
        );
    }

    /// Runs the cache to `end` with PEER answering every unicast refresh
    /// request 5 ms later, as a live host does; returns the log. Fails
    /// instead of hanging when the timers never get past a point.
    fn answer_refreshes_until(b: &mut Bench, end: Instant) -> Vec<String> {
        let mut log = Vec::new();
        let mut runs = 0;
        while let Some(due) = b.cache.next_deadline().filter(|&d| d <= end) {
            runs += 1;
            assert!(runs < 1000, "refresh storm: {runs} timer runs before {end}, last at {due}");
            b.run_until(due);
            let events = b.take();
            let asked = events.iter().any(|e| e.contains("solicit unicast"));
            log.extend(events);
            if asked {
                b.receive(reply_to_me(A), due + Duration::from_millis(5));
                log.extend(b.take());
            }
        }
        log
    }

    #[test]
    fn cisco_arp_timeout_of_a_minute_or_less_expires_without_a_refresh_storm() {
        // The refresh goes out 60 s before expiry (CISCO_REFRESH_LEAD, from
        // the Cisco community's account of IOS). With `arp timeout 60` or
        // less that instant is not after the entry was learned; the old
        // model re-armed the refresh at once after every answer (a request
        // every 5 ms here, every 50 µs on the simulated LAN). Now such an
        // entry simply expires and the next packet resolves it again.
        for (timeout, shown) in [(5, "5s"), (30, "30s"), (45, "45s"), (60, "1m")] {
            let mut b =
                Bench::new(NeighborConfig { arp_timeout: Duration::from_secs(timeout), ..NeighborConfig::cisco() });
            b.resolved_at(A, secs(0));
            let expires = ms(10) + Duration::from_secs(timeout);
            assert_eq!(b.entry(PEER).expires, Some(expires));
            let log = answer_refreshes_until(&mut b, expires + Duration::from_secs(1));
            assert_eq!(log, [format!("{expires} 10.0.0.9 A REACHABLE -> none: ARP timeout ({shown}) expired")]);
            assert_eq!(b.resolve(PEER, expires + Duration::from_secs(2)), Resolution::Queued);
            assert_eq!(
                b.take(),
                [
                    format!("{} 10.0.0.9 none -> INCOMPLETE: resolving", expires + Duration::from_secs(2)),
                    format!("{} 10.0.0.9 solicit broadcast", expires + Duration::from_secs(2)),
                ]
            );
        }
    }

    #[test]
    fn cisco_timeouts_over_a_minute_refresh_once_per_timeout_minus_a_minute() {
        // 61 s: one unicast refresh 1 s after each (re)confirmation.
        let mut b = Bench::new(NeighborConfig { arp_timeout: Duration::from_secs(61), ..NeighborConfig::cisco() });
        b.resolved_at(A, secs(0));
        assert_eq!(
            answer_refreshes_until(&mut b, ms(4100)),
            [
                "1.010s 10.0.0.9 solicit unicast A",
                "2.015s 10.0.0.9 solicit unicast A",
                "3.020s 10.0.0.9 solicit unicast A",
                "4.025s 10.0.0.9 solicit unicast A"
            ]
        );
        assert_eq!(b.entry(PEER).expires, Some(ms(4030) + Duration::from_secs(61)));
        // 2 min: the refresh at 60 s renews the entry to 3 min.
        let mut b = Bench::new(NeighborConfig { arp_timeout: Duration::from_secs(120), ..NeighborConfig::cisco() });
        b.resolved_at(A, secs(0));
        assert_eq!(
            answer_refreshes_until(&mut b, secs(121)),
            ["60.010s 10.0.0.9 solicit unicast A", "120.015s 10.0.0.9 solicit unicast A"]
        );
        assert_eq!(b.entry(PEER).expires, Some(ms(120_020) + Duration::from_secs(120)));
    }

    #[test]
    fn cisco_a_new_arp_timeout_applies_to_cached_entries_by_their_age() {
        // IOS ages an entry by comparing its age (what `show ip arp`
        // prints) with the interface's current timeout, so shortening the
        // timeout affects entries already cached. Before, only entries
        // learned later got the new timeout: a VIP entry learned under 4 h
        // still "expired in 3h59m" after `arp timeout 30`.
        let mut b = Bench::new(NeighborConfig::cisco());
        b.resolved_at(A, secs(0));
        let config = |s| NeighborConfig { arp_timeout: Duration::from_secs(s), ..NeighborConfig::cisco() };
        b.run_until(secs(100));
        b.cache.set_config(config(120), secs(100));
        assert_eq!(b.entry(PEER).expires, Some(ms(120_010)));
        // Its refresh point (60.010 s) has passed: the refresh goes now.
        b.run_until(secs(100));
        assert_eq!(b.take(), ["100.000s 10.0.0.9 solicit unicast A"]);
        // 30 s: the entry, 100 s old, is past it and goes at once.
        b.cache.set_config(config(30), secs(100));
        b.run_until(secs(100));
        assert_eq!(
            b.take(),
            ["100.000s 10.0.0.9 A REACHABLE -> none: ARP timeout (30s) expired: no reply to the refresh request"]
        );
        assert_eq!(b.state(PEER), None);
    }

    #[test]
    fn cisco_resolution_gives_up_after_mcast_probes() {
        let mut b = Bench::new(NeighborConfig::cisco());
        b.resolve(PEER, secs(0));
        b.run_until(secs(10));
        assert_eq!(
            b.take(),
            [
                "0.000s 10.0.0.9 none -> INCOMPLETE: resolving",
                "0.000s 10.0.0.9 solicit broadcast",
                "1.000s 10.0.0.9 solicit broadcast",
                "2.000s 10.0.0.9 solicit broadcast",
                "3.000s 10.0.0.9 INCOMPLETE -> none: no reply to 3 ARP requests: entry removed",
                "3.000s 10.0.0.9 failed",
            ]
        );
    }

    #[test]
    fn cisco_honor_takes_a_new_mac_at_once() {
        let mut b = Bench::new(NeighborConfig::cisco());
        b.resolved_at(A, secs(0));
        b.receive(garp(GarpKind::ReplyBroadcast, B), ms(20));
        assert_eq!(b.take(), ["0.020s 10.0.0.9 A REACHABLE -> B REACHABLE: gratuitous ARP: MAC updated"]);
        assert_eq!(b.entry(PEER).expires, Some(ms(20) + Duration::from_hours(4)));
    }

    #[test]
    fn cisco_ignore_keeps_the_old_mac_until_arp_timeout() {
        let mut b = Bench::new(NeighborConfig { garp: GarpPolicy::Ignore, ..NeighborConfig::cisco() });
        b.resolved_at(A, secs(0));
        b.receive(garp(GarpKind::RequestBroadcast, B), secs(1));
        b.receive(reply_to_me(B), secs(2));
        assert_eq!(
            b.take(),
            [
                "1.000s 10.0.0.9 ignored from B: garp=ignore policy: sender IP = target IP",
                "2.000s 10.0.0.9 ignored from B: garp=ignore policy: unsolicited ARP reply",
            ]
        );
        // A is gone: packets still go to it, nobody answers the refresh,
        // and only expiry lets the router learn B.
        let expires = ms(10) + Duration::from_hours(4);
        let refresh = expires.saturating_sub(Duration::from_secs(60));
        assert_eq!(b.resolve(PEER, refresh.saturating_sub(Duration::from_secs(1))), Resolution::Mac(A));
        b.run_until(expires);
        assert_eq!(
            b.take(),
            [
                format!("{refresh} 10.0.0.9 solicit unicast A"),
                format!(
                    "{expires} 10.0.0.9 A REACHABLE -> none: ARP timeout (4h) expired: no reply to the refresh request"
                ),
            ]
        );
        assert_eq!(b.state(PEER), None);
        assert_eq!(b.resolve(PEER, expires), Resolution::Queued);
        b.receive(reply_to_me(B), expires + Duration::from_millis(3));
        assert_eq!(b.state(PEER), Some((Some(B), NeighborState::Reachable)));
    }

    #[test]
    fn cisco_creates_entries_only_from_our_requests_or_requests_for_us() {
        let mut b = Bench::new(NeighborConfig::cisco());
        b.receive(garp(GarpKind::RequestZero, B), secs(1));
        b.receive(frames::request(B, PEER, ME, None), secs(2));
        assert_eq!(
            b.take(),
            [
                "1.000s 10.0.0.9 ignored from B: no entry: only replies to our requests and requests for our address create one",
                "2.000s 10.0.0.9 none -> B REACHABLE: ARP request for our address: entry created",
            ]
        );
    }

    #[test]
    fn names_and_serde_spellings() {
        assert_eq!(NeighborState::Reachable.to_string(), "REACHABLE");
        assert_eq!(serde_json::to_string(&NeighborState::Stale).unwrap(), "\"STALE\"");
        assert_eq!(serde_json::to_string(&NeighborModel::Cisco).unwrap(), "\"cisco\"");
        assert_eq!(serde_json::to_string(&GarpPolicy::Ignore).unwrap(), "\"ignore\"");
        assert_eq!(NeighborConfig::default(), NeighborConfig::linux());
    }

    #[test]
    fn a_snapshot_replays_identically() {
        let mut b = Bench::new(NeighborConfig::linux());
        b.insert(PEER, Some(A), NeighborState::Stale, secs(0));
        b.resolve(PEER, secs(1));
        let json = serde_json::to_string(&b.cache).unwrap();
        let copy: NeighborCache = serde_json::from_str(&json).unwrap();
        assert_eq!(copy, b.cache);
        let (mut left, mut right) = (Vec::new(), Vec::new());
        let mut rng = b.rng.clone();
        b.cache.poll(secs(20), &mut b.rng, &mut left);
        copy.clone().poll(secs(20), &mut rng, &mut right);
        assert_eq!(left, right);
    }
}
