//! Whether a "what if?" remedy at the cursor can still change anything,
//! read from the run itself. Honouring gratuitous ARP only helps if a GARP
//! for the VIP still reaches the host after the cursor: MetalLB sends its
//! burst when a node takes the VIP over (five rounds, `speaker`'s
//! `gratuitousARP` in MetalLB 0.14's layer2 announcer), Cilium when a node
//! takes the Lease, and then they are silent. After the last one, switching
//! the policy leaves the stale entry where it is; only a flush moves it,
//! or the ARP timeout of a Cisco-style cache, or (Linux, which has none)
//! the unanswered probes of the entry once it is stale. And a flush
//! changes nothing when the entry already names the node that answers.

use super::i18n::{Lang, Msg};
use super::story::FrameClass;
use crate::engine::trace::{Dir, Kind, Record};
use crate::net::neighbor::GarpPolicy;
use crate::sim::World;
use crate::time::Instant;
use crate::wire::{Frame, Parsed};
use std::net::Ipv4Addr;

/// Why a remedy at the cursor would change nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Futile {
    /// `host` already honours GARP.
    AlreadyHonours { host: String },
    /// No GARP for `vip` reaches `host` after the cursor: the last burst,
    /// from `from`, ended at `last` (none at all when `None`).
    NoMoreGarp { host: String, vip: Ipv4Addr, last: Option<(Instant, String)> },
    /// `host`'s entry for `vip` already names `node`, which answers for it.
    AlreadyRight { host: String, vip: Ipv4Addr, node: String },
}

impl Futile {
    /// What the playground says about the remedy, from the world at the
    /// cursor: only a Cisco-style cache has an ARP timeout to wait for; a
    /// Linux entry is re-checked by neighbour probing once it goes stale.
    /// `conceal`: an exercise asks who answers, so no node is named.
    pub fn words(&self, world: &World, lang: Lang, conceal: bool) -> String {
        match self {
            Futile::AlreadyHonours { host } => lang.f(Msg::FutileAlreadyHonours, &[host]),
            Futile::NoMoreGarp { host, vip, last: Some((t, from)) } => {
                // The GARP's sender is the node that answers.
                let burst = if conceal {
                    lang.f(Msg::BurstEndedHidden, &[&super::secs_in(*t, lang)])
                } else {
                    lang.f(Msg::BurstEnded, &[from, &super::secs_in(*t, lang)])
                };
                let h = world.net.host(host);
                match h.and_then(|h| h.ifaces.first()).filter(|_| h.is_some_and(|h| h.cisco_neighbors())) {
                    Some(i) => lang.f(
                        Msg::FutileNoMoreGarp,
                        &[host, &burst, &super::duration(i.neighbors.config().arp_timeout, lang), vip],
                    ),
                    None => lang.f(Msg::FutileNoMoreGarpLinux, &[host, &burst, vip]),
                }
            }
            Futile::NoMoreGarp { host, vip, last: None } => lang.f(Msg::FutileNoGarp, &[host, vip]),
            Futile::AlreadyRight { host, vip, .. } if conceal => lang.f(Msg::FutileAlreadyRightHidden, &[host, vip]),
            Futile::AlreadyRight { host, vip, node } => lang.f(Msg::FutileAlreadyRight, &[host, vip, node]),
        }
    }
}

/// A gratuitous ARP announcing `vip`.
fn garp_for(frame: &Frame, vip: Ipv4Addr) -> bool {
    FrameClass::of(frame) == FrameClass::Garp
        && matches!(Parsed::of(frame.bytes()), Parsed::Arp { arp, .. } if arp.sender_ip == vip)
}

/// The gratuitous ARPs for a VIP in a whole run, found once per run: a
/// step of the cursor then searches these few instead of decoding every
/// frame of the trace again (the playground asks [`honour_garp_in`] on
/// every step).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Garps {
    /// The steps at which the host received one for itself (not forwarded).
    received: Vec<u64>,
    /// Each one sent: its step, time and sender.
    sent: Vec<(u64, Instant, String)>,
}

impl Garps {
    /// The GARPs for `vip` in `trace` (a whole run, in step order) that
    /// `host` received, and all that were sent.
    pub fn of(trace: &[Record], host: &str, vip: Ipv4Addr) -> Garps {
        let mut garps = Garps { received: Vec::new(), sent: Vec::new() };
        for r in trace {
            match &r.kind {
                Kind::Frame { at, dir: Dir::Rx, frame, forward: None, .. } if **at == *host && garp_for(frame, vip) => {
                    garps.received.push(r.step)
                }
                Kind::Frame { at, dir: Dir::Tx, frame, forward: None, .. } if garp_for(frame, vip) => {
                    garps.sent.push((r.step, r.t, at.to_string()))
                }
                _ => {}
            }
        }
        garps
    }
}

/// Whether switching `host` to honour GARP at the cursor can change its
/// entry for `vip`. `trace` is the whole run, `cursor` the step the
/// remedy would apply at, `world` the world there.
pub fn honour_garp(world: &World, trace: &[Record], cursor: u64, host: &str, vip: Ipv4Addr) -> Option<Futile> {
    honour_garp_in(&Garps::of(trace, host, vip), world, cursor, host, vip)
}

/// [`honour_garp`] with the run's GARPs for `vip` found beforehand.
pub fn honour_garp_in(garps: &Garps, world: &World, cursor: u64, host: &str, vip: Ipv4Addr) -> Option<Futile> {
    let h = world.net.host(host)?;
    if h.ifaces.iter().all(|i| i.neighbors.config().garp == GarpPolicy::Honor) {
        return Some(Futile::AlreadyHonours { host: host.into() });
    }
    if garps.received.last().is_some_and(|step| *step > cursor) {
        return None;
    }
    let last = garps.sent[..garps.sent.partition_point(|(step, ..)| *step <= cursor)]
        .last()
        .map(|(_, t, from)| (*t, from.clone()));
    Some(Futile::NoMoreGarp { host: host.into(), vip, last })
}

/// Whether flushing `host`'s ARP cache at the cursor can change how it
/// reaches `vip`: not when its entry already names the node that answers.
pub fn flush(world: &World, host: &str, vip: Ipv4Addr) -> Option<Futile> {
    let h = world.net.host(host)?;
    let mac = h.ifaces.iter().find_map(|i| i.neighbors.get(vip)).and_then(|e| e.mac)?;
    let owner = world.net.name_of_mac(mac);
    let answers = super::answers::who_answers(world)
        .into_iter()
        .find(|a| a.ip == vip)
        .is_some_and(|a| a.nodes() == [owner.as_str()] && world.net.host(&owner).is_some_and(|o| on_the_lan(world, o)));
    answers.then(|| Futile::AlreadyRight { host: host.into(), vip, node: owner })
}

/// Powered on and not cut from the LAN: a node the control plane still
/// counts as the announcer (a Cilium Lease held until it expires) answers
/// nothing while its links are down.
fn on_the_lan(world: &World, host: &crate::net::host::Host) -> bool {
    host.up && host.ifaces.iter().filter_map(|i| i.link).all(|l| world.net.links[l].up)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::play::run::Run;
    use std::rc::Rc;

    fn failover(variant: Option<&str>, secs: f64) -> Run {
        let s = crate::catalog::find("metallb-l2-failover").expect("shipped");
        let scenario = crate::scenario::load::load(s.file, s.yaml).expect("loads");
        let mut run = Run::new(Rc::new(scenario), variant, None, None).expect("builds");
        run.seek_time(Instant::from_nanos((secs * 1e9) as u64));
        run
    }

    const VIP: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 201);

    #[test]
    fn honouring_garp_helps_only_while_the_burst_is_still_to_come() {
        // Before node-b's burst (25 s to 29.4 s) honouring GARP would move the entry.
        let run = failover(None, 24.0);
        assert_eq!(honour_garp(run.world(), run.trace(), run.cursor(), "router", VIP), None);
        let run = failover(None, 27.0);
        assert_eq!(honour_garp(run.world(), run.trace(), run.cursor(), "router", VIP), None, "rounds still to come");
        // Between the bursts it still helps: the leader's speaker calls
        // SetBalancer again when it reconciles the Service (the EndpointSlice
        // change at 70 s; MetalLB 0.14 speaker/main.go handleService), which
        // restarts the announcer's GARP spam (internal/layer2/announcer.go),
        // and an honouring router would learn then.
        let run = failover(None, 40.0);
        assert_eq!(honour_garp(run.world(), run.trace(), run.cursor(), "router", VIP), None, "the resync burst");
        // After the resync burst's fifth round (70 + 4 × 1.1 s) nothing is left to honour.
        let run = failover(None, 80.0);
        assert_eq!(
            honour_garp(run.world(), run.trace(), run.cursor(), "router", VIP),
            Some(Futile::NoMoreGarp {
                host: "router".into(),
                vip: VIP,
                last: Some((Instant::from_millis(74_400), "node-b".into()))
            })
        );
        let honoured = failover(Some("garp-honor"), 40.0);
        assert_eq!(
            honour_garp(honoured.world(), honoured.trace(), honoured.cursor(), "router", VIP),
            Some(Futile::AlreadyHonours { host: "router".into() })
        );
    }

    /// The playground finds a run's GARPs once and asks at every step: one
    /// `Garps` answers as the pinned checks above at each of their moments.
    #[test]
    fn the_garps_found_once_answer_at_every_cursor() {
        let mut run = failover(None, 0.0);
        let garps = Garps::of(run.trace(), "router", VIP);
        assert_eq!(
            garps.sent.last().map(|(_, t, from)| (*t, from.as_str())),
            Some((Instant::from_millis(74_400), "node-b"))
        );
        for (secs, helps) in [(24.0, true), (27.0, true), (40.0, true), (80.0, false), (100.0, false)] {
            run.seek_time(Instant::from_nanos((secs * 1e9) as u64));
            let answer = honour_garp_in(&garps, run.world(), run.cursor(), "router", VIP);
            assert_eq!(answer.is_none(), helps, "at {secs} s: {answer:?}");
            assert_eq!(answer, honour_garp(run.world(), run.trace(), run.cursor(), "router", VIP));
        }
    }

    #[test]
    fn a_flush_is_futile_once_the_entry_names_the_node_that_answers() {
        let stale = failover(None, 40.0);
        assert_eq!(flush(stale.world(), "router", VIP), None, "node-a's stale MAC: a flush helps");
        let fixed = failover(None, 100.0);
        assert_eq!(
            flush(fixed.world(), "router", VIP),
            Some(Futile::AlreadyRight { host: "router".into(), vip: VIP, node: "node-b".into() })
        );
    }
}
