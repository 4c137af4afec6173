//! The lesson beside the network: the scenario's title, tags and
//! description in the learner's language, the latest timeline note at the
//! cursor, and who announces each VIP right now (with MetalLB's sha256
//! order, computed by the core). The playground's lesson panel and the
//! static first paint both show a [`LessonView`].

use super::i18n::{Lang, Msg};
use crate::engine::trace::{Kind, Record};
use crate::k8s::cluster::{AnnounceKind, LoadBalancerKind};
use crate::k8s::metallb::election_order;
use crate::scenario::Scenario;
use crate::sim::World;
use crate::time::Instant;
use std::net::Ipv4Addr;

/// Who answers for one VIP.
#[derive(Clone, Debug, PartialEq)]
pub struct Announced {
    pub ip: Ipv4Addr,
    /// " (default/web): announced by ", worded.
    pub service: String,
    /// The announcing nodes, or "nobody".
    pub who: String,
    /// MetalLB L2's election order, said in full.
    pub order: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LessonView {
    pub title: String,
    pub tags: Vec<String>,
    /// The latest note at or before the cursor: when, and what it says.
    pub note: Option<(Instant, String)>,
    pub announcing: Vec<Announced>,
    /// Markdown ([`super::markdown`]).
    pub description: Option<String>,
}

impl LessonView {
    /// The lesson of `scenario` with the world at the cursor and the records visible there.
    pub fn of(scenario: &Scenario, world: &World, visible: &[Record], lang: Lang) -> LessonView {
        let meta = &scenario.doc.metadata;
        let note = visible.iter().rev().find_map(|r| match &r.kind {
            Kind::Note { text } => Some((r.t, text.clone())),
            _ => None,
        });
        let config = &world.cluster.config;
        let metallb_l2 = config.load_balancer == LoadBalancerKind::Metallb && config.announce == AnnounceKind::L2;
        let nodes: Vec<String> = world.cluster.nodes.keys().cloned().collect();
        let announcing = world
            .cluster
            .services
            .values()
            .flat_map(|svc| svc.ingress.iter().map(move |ip| (svc, *ip)))
            .map(|(svc, ip)| {
                let who = world.cluster.announcers.get(&svc.key()).filter(|n| !n.is_empty());
                Announced {
                    ip,
                    service: lang.f(Msg::AnnouncedBy, &[&svc.key()]),
                    who: who.map(|n| n.join(", ")).unwrap_or_else(|| lang.t(Msg::Nobody).into()),
                    order: metallb_l2.then(|| lang.f(Msg::ElectionOrder, &[&election_order(&nodes, ip).join(" → ")])),
                }
            })
            .collect();
        LessonView {
            title: meta.title_in(lang.code()).to_string(),
            tags: meta.tags.clone(),
            note,
            announcing,
            description: meta.description_in(lang.code()).map(str::to_string),
        }
    }
}
