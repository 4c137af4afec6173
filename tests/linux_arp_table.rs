//! Replays every case that the Linux ARP oracle measured on a real kernel
//! against the `linux` neighbour model (see tests/data/README.md).
//!
//! Each case puts the client's entry for the VIP into a starting condition,
//! waits until the entry's last update is as old as it was on the kernel,
//! feeds the same ARP frames (built by `wire::arp` and parsed back from
//! bytes) and compares the MAC and state that remain with the kernel's.
//! `VIPSIM_ARP_CASES=<file>` replays another results file, such as a fresh
//! one from `./dev conformance`.
#![cfg(not(target_arch = "wasm32"))]

use serde::Deserialize;
use std::net::Ipv4Addr;
use vipsim::net::neighbor::{NeighborCache, NeighborConfig, NeighborEvent, NeighborState, Resolution};
use vipsim::rng::SimRng;
use vipsim::time::{Duration, Instant};
use vipsim::wire::arp::{self, GarpKind};
use vipsim::wire::{Arp, ArpOperation, Frame, Mac, Parsed};

// The oracle's topology (tests/conformance/oracle.py).
const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
const CLIENT_MAC: Mac = Mac([0x02, 0x77, 0, 0, 0, 0x01]);
const NODEA_MAC: Mac = Mac([0x02, 0x77, 0, 0, 0, 0x11]);
const NODEB_MAC: Mac = Mac([0x02, 0x77, 0, 0, 0, 0x12]);
const VIP: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 200);
/// The oracle reads the entry this long after the last frame.
const SETTLE: Duration = Duration::from_millis(150);

#[derive(Deserialize)]
struct Results {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    kind: String,
    arp_accept: u8,
    entry_before: String,
    /// Age of the entry's `updated` just before the first frame.
    updated_age_before_ms: Option<u64>,
    lladdr_after: Option<String>,
    state_after: Option<String>,
}

/// The client host: its neighbour cache plus what a host does with the
/// cache's events (send the packet it queued once the VIP resolves).
struct Client {
    cache: NeighborCache,
    rng: SimRng,
    now: Instant,
}

impl Client {
    fn new(arp_accept: u8) -> Self {
        let config = NeighborConfig { arp_accept, ..NeighborConfig::linux() };
        Client { cache: NeighborCache::new(config), rng: SimRng::new(1), now: Instant::from_secs(100) }
    }

    /// Runs the cache's timers up to `t`, as the simulator's event loop does.
    fn advance_to(&mut self, t: Instant) {
        while let Some(deadline) = self.cache.next_deadline().filter(|&d| d <= t) {
            self.now = deadline;
            let mut events = Vec::new();
            self.cache.poll(deadline, &mut self.rng, &mut events);
            self.handle(events);
        }
        self.now = t;
    }

    fn handle(&mut self, events: Vec<NeighborEvent>) {
        for event in events {
            if let NeighborEvent::Resolved { ip, .. } = event {
                self.send_to(ip);
            }
        }
    }

    /// A UDP packet to `ip`, as the oracle's client sends.
    fn send_to(&mut self, ip: Ipv4Addr) -> Resolution {
        let mut events = Vec::new();
        let resolution = self.cache.resolve(ip, self.now, &mut self.rng, &mut events);
        self.handle(events);
        resolution
    }

    fn receive(&mut self, frame: &Frame) {
        let Parsed::Arp { eth_dst, arp, .. } = frame.parse() else {
            panic!("not an ARP frame: {frame:?}");
        };
        let target_is_local = arp.op == ArpOperation::Request && arp.target_ip == CLIENT_IP;
        let mut events = Vec::new();
        self.cache.receive_arp(&arp, eth_dst == CLIENT_MAC, target_is_local, self.now, &mut self.rng, &mut events);
        self.handle(events);
    }

    fn vip_entry(&self) -> Option<(Option<Mac>, NeighborState)> {
        self.cache.get(VIP).map(|e| (e.mac, e.state))
    }

    /// The client starts resolving the VIP with one packet queued.
    fn start_resolving(&mut self) -> Result<(), String> {
        match self.send_to(VIP) {
            Resolution::Queued => Ok(()),
            other => Err(format!("resolving the VIP gave {other:?}, not Queued")),
        }
    }

    /// Builds the oracle's entry-before condition for the VIP.
    fn prepare(&mut self, condition: &str) -> Result<(), String> {
        match condition {
            "none" => {}
            c if c.starts_with("REACHABLE") => {
                // A real resolution, answered by nodea.
                self.start_resolving()?;
                self.advance_to(self.now + Duration::from_millis(1));
                self.receive(&arp::reply(NODEA_MAC, VIP, CLIENT_MAC, CLIENT_IP));
            }
            c if c.starts_with("STALE") => {
                self.cache.insert(VIP, Some(NODEA_MAC), NeighborState::Stale, self.now, &mut self.rng);
            }
            "INCOMPLETE" => self.start_resolving()?,
            "FAILED" => {
                // Nobody answers: mcast_solicit requests, then FAILED.
                self.start_resolving()?;
                self.advance_to(self.now + Duration::from_secs(10));
            }
            other => return Err(format!("unknown entry-before condition `{other}`")),
        }
        // "REACHABLE<lock" and the like name the state, then the timing.
        let expected =
            (condition != "none").then(|| condition.trim_end_matches(|c: char| !c.is_ascii_uppercase()).to_string());
        let got = self.vip_entry().map(|(_, state)| state.to_string());
        if got != expected {
            return Err(format!("could not prepare `{condition}`: entry is {got:?}"));
        }
        Ok(())
    }
}

/// The frames of one oracle kind, built with the crate's ARP builders.
fn frames(kind: &str) -> Result<Vec<Frame>, String> {
    let garp = |kind, mac| arp::gratuitous(kind, mac, VIP);
    Ok(match kind {
        "req_tha0" => vec![garp(GarpKind::RequestZero, NODEB_MAC)],
        "req_thaff" => vec![garp(GarpKind::RequestBroadcast, NODEB_MAC)],
        "rep_thaff" => vec![garp(GarpKind::ReplyBroadcast, NODEB_MAC)],
        "rep_thasha" => vec![garp(GarpKind::ReplySelf, NODEB_MAC)],
        "rep_tha0" => vec![arp::frame(
            Mac::BROADCAST,
            Arp {
                op: ArpOperation::Reply,
                sender_mac: NODEB_MAC,
                sender_ip: VIP,
                target_mac: Mac::ZERO,
                target_ip: VIP,
            },
        )],
        "ucast_rep" => vec![arp::reply(NODEB_MAC, VIP, CLIENT_MAC, CLIENT_IP)],
        "metallb_round" => vec![garp(GarpKind::RequestBroadcast, NODEB_MAC), garp(GarpKind::ReplyBroadcast, NODEB_MAC)],
        "owner_req_tha0" => vec![garp(GarpKind::RequestZero, NODEA_MAC)],
        "owner_rep_thaff" => vec![garp(GarpKind::ReplyBroadcast, NODEA_MAC)],
        other => return Err(format!("unknown frame kind `{other}`")),
    })
}

/// How the oracle's report names a cached MAC.
fn owner(mac: Option<Mac>) -> String {
    match mac {
        Some(NODEA_MAC) => "nodea".into(),
        Some(NODEB_MAC) => "nodeb".into(),
        Some(other) => other.to_string(),
        None => "-".into(),
    }
}

fn describe(entry: Option<(Option<Mac>, NeighborState)>) -> String {
    match entry {
        None => "no entry".into(),
        Some((mac, state)) => format!("{} {state}", owner(mac)),
    }
}

/// Runs one case; `Ok` holds (kernel, model) outcomes.
fn run(case: &Case) -> Result<(String, String), String> {
    let kernel_mac = case.lladdr_after.as_deref().map(Mac::parse).transpose()?;
    let kernel = match case.state_after.as_deref() {
        None => "no entry".to_string(),
        Some(state) => format!("{} {state}", owner(kernel_mac)),
    };
    let frames = frames(&case.kind)?;
    let mut client = Client::new(case.arp_accept);
    client.prepare(&case.entry_before)?;
    if let Some(updated) = client.cache.get(VIP).map(|e| e.updated) {
        let age = Duration::from_millis(case.updated_age_before_ms.unwrap_or(0));
        client.advance_to(updated + age);
    }
    for frame in &frames {
        client.receive(frame);
    }
    client.advance_to(client.now + SETTLE);
    Ok((kernel, describe(client.vip_entry())))
}

#[test]
fn linux_model_reproduces_every_measured_kernel_case() {
    let path = std::env::var("VIPSIM_ARP_CASES")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/linux-arp-cases.json").to_string());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let results: Results = serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {path}: {e}"));
    assert!(!results.cases.is_empty(), "{path} holds no cases");

    let mut failures = Vec::new();
    for (index, case) in results.cases.iter().enumerate() {
        let label = format!(
            "#{index} {} arp_accept={} {} age={}ms",
            case.kind,
            case.arp_accept,
            case.entry_before,
            case.updated_age_before_ms.map_or("-".into(), |a| a.to_string()),
        );
        match run(case) {
            Ok((kernel, model)) if kernel == model => {}
            Ok((kernel, model)) => failures.push(format!("{label}: kernel {kernel}, model {model}")),
            Err(e) => failures.push(format!("{label}: {e}")),
        }
    }
    for failure in &failures {
        eprintln!("MISMATCH {failure}");
    }
    println!(
        "{path}: the linux model reproduces {} of {} kernel cases",
        results.cases.len() - failures.len(),
        results.cases.len()
    );
    assert!(failures.is_empty(), "{} of {} cases differ from the kernel", failures.len(), results.cases.len());
}
