//! Which runs can be compared, and what to suggest comparing. Two runs
//! compare on one time axis when they share a topology: the same hosts
//! with the same roles and addresses, whatever the control plane (the L2
//! failover and its BGP version); the suggestion comes from the scenario's
//! own variants, or from a shipped scenario of the same topology.

use super::i18n::{Lang, Msg};
use crate::catalog::{self, Shipped};
use crate::scenario::{Scenario, load};
use crate::sort::Sort;

/// The hosts of a scenario as a topology: name, role and address, sorted.
fn topology(s: &Scenario) -> Vec<(String, String, String)> {
    let mut hosts: Vec<(String, String, String)> =
        s.doc.spec.hosts.iter().map(|h| (h.name.clone(), format!("{:?}", h.role), h.ip.clone())).collect();
    hosts.stable_sort();
    hosts
}

/// Whether two scenarios run on the same LAN (hosts, roles, addresses).
pub fn same_topology(a: &Scenario, b: &Scenario) -> bool {
    topology(a) == topology(b)
}

/// The other shipped scenarios on the same LAN as `current`, each with its
/// loaded scenario.
pub fn same_lan(current: &Scenario) -> Vec<Shipped> {
    catalog::shipped()
        .into_iter()
        .chain(catalog::workshop())
        .filter(|s| s.id != current.id())
        .filter(|s| load::load(s.file, s.yaml).is_ok_and(|other| same_topology(current, &other)))
        .collect()
}

/// What to compare first, said from the scenario itself: its first
/// variant, else a shipped scenario on the same LAN, else a branch.
pub fn hint(current: &Scenario, same_lan: &[Shipped], lang: Lang) -> String {
    if let Some(v) = current.doc.spec.variants.first() {
        return lang.f(Msg::CompareHintVariant, &[&v.title_in(lang.code())]);
    }
    if let Some(s) = same_lan.first() {
        return lang.f(Msg::CompareHintScenario, &[&s.title_in(lang.code())]);
    }
    lang.t(Msg::CompareHintBranch).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped(id: &str) -> Scenario {
        let s = catalog::find(id).expect("shipped");
        load::load(s.file, s.yaml).expect("loads")
    }

    #[test]
    fn the_l2_failover_and_its_bgp_version_share_a_lan() {
        let l2 = shipped("metallb-l2-failover");
        let ids: Vec<String> = same_lan(&l2).into_iter().map(|s| s.id).collect();
        assert!(ids.contains(&"bgp-ecmp".to_string()), "{ids:?}");
        assert!(!ids.contains(&"cilium-lb-ipam".to_string()), "another LAN: {ids:?}");
        assert!(!same_topology(&l2, &shipped("cilium-lb-ipam")));
    }

    #[test]
    fn the_hint_names_the_scenario_s_own_variant() {
        let l2 = shipped("metallb-l2-failover");
        assert_eq!(
            hint(&l2, &same_lan(&l2), Lang::En),
            "Pick a variant, a branch or a scenario on the same LAN to see both runs on one time axis, e.g. this run against “Router honours GARP”."
        );
        let bgp = shipped("bgp-ecmp");
        assert!(
            hint(&bgp, &same_lan(&bgp), Lang::En).contains("MetalLB L2 failover"),
            "{}",
            hint(&bgp, &same_lan(&bgp), Lang::En)
        );
    }
}
