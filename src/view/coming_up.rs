//! "Coming up": the control-plane timers that will change who announces
//! the VIP, with countdowns, read from the engine's pending events: a
//! speaker's memberlist noticing a failed peer, a BGP hold timer running
//! out. Timers that would change nothing are left out. The playground's
//! network panel and the static first paint both list them.

use super::i18n::{Lang, Msg};
use crate::engine::{ControlEvent, Event};
use crate::k8s::cluster::BgpState;
use crate::sim::World;
use crate::time::Instant;

/// At most this many timers are listed, the soonest.
pub const SHOWN: usize = 4;

pub fn upcoming(world: &World, now: Instant, lang: Lang) -> Vec<String> {
    let k = &world.cluster;
    world
        .queue
        .pending()
        .into_iter()
        .filter_map(|(at, event)| {
            let Event::Control(c) = event else { return None };
            let what = match c {
                ControlEvent::Memberlist { observer, subject, alive } => {
                    let sees = k.speakers.get(observer).is_some_and(|s| s.view.contains(subject));
                    match (alive, sees) {
                        (false, true) => lang.f(Msg::MemberlistNoticesFailure, &[observer, subject]),
                        (true, false) => lang.f(Msg::MemberlistSeesJoin, &[observer, subject]),
                        _ => return None,
                    }
                }
                ControlEvent::BgpHoldExpired { node, generation } => {
                    let live = k
                        .bgp
                        .get(node)
                        .is_some_and(|s| s.generation == *generation && s.state == BgpState::Established);
                    if !live {
                        return None;
                    }
                    lang.f(Msg::BgpHoldExpires, &[node])
                }
                _ => return None,
            };
            let wait = super::duration(at.saturating_since(now), lang);
            Some(lang.f(Msg::ComingIn, &[&wait, &super::secs_in(at, lang), &what]))
        })
        .take(SHOWN)
        .collect()
}
