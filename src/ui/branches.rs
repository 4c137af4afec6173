//! "What if?": apply a fault at the cursor and continue as a new branch
//! (`Run::branch`), with one-click remedies for the failover story, and the
//! list of runs (original, variants, branches) to switch between.

use super::picker::open_shipped;
use super::state::{Action, use_store};
use crate::catalog::{self, Shipped};
use crate::net::Role;
use crate::net::neighbor::GarpPolicy;
use crate::scenario::spec::AnnounceKind;
use crate::scenario::spec::{FaultAction, FaultStep};
use crate::scenario::{Scenario, load};
use crate::sim::action::{Action as SimAction, fault_name};
use crate::time::Duration;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// The faults a learner can inject, in the order the form lists them.
const FAULTS: &[FaultAction] = &[
    FaultAction::PowerOff,
    FaultAction::PowerOn,
    FaultAction::Partition,
    FaultAction::Heal,
    FaultAction::StopSpeaker,
    FaultAction::StartSpeaker,
    FaultAction::FlushArp,
    FaultAction::SetGarp,
    FaultAction::SetArpTimeout,
    FaultAction::Drain,
    FaultAction::Cordon,
    FaultAction::Uncordon,
    FaultAction::DeletePod,
];

/// Faults that only make sense on a Kubernetes node.
fn node_only(a: FaultAction) -> bool {
    matches!(
        a,
        FaultAction::StopSpeaker
            | FaultAction::StartSpeaker
            | FaultAction::Drain
            | FaultAction::Cordon
            | FaultAction::Uncordon
            | FaultAction::DeletePod
    )
}

fn fault(host: &str, action: FaultAction) -> FaultStep {
    FaultStep {
        host: host.to_string(),
        action,
        pod: None,
        garp: None,
        arp_timeout: None,
        proto: None,
        from: None,
        direction: None,
    }
}

/// Shipped scenarios that tell the current L2 story in BGP mode: same load
/// balancer, `announce: bgp` (the learner journey's last remedy).
fn bgp_versions(current: &Scenario) -> Vec<Shipped> {
    let cluster = &current.doc.spec.cluster;
    if cluster.announce != AnnounceKind::L2 {
        return Vec::new();
    }
    catalog::shipped()
        .into_iter()
        .filter(|s| s.id != current.id())
        .filter(|s| {
            load::load(s.file, s.yaml).is_ok_and(|other| {
                let c = &other.doc.spec.cluster;
                c.announce == AnnounceKind::Bgp && c.load_balancer == cluster.load_balancer
            })
        })
        .collect()
}

#[function_component(Branches)]
pub fn branches() -> Html {
    let store = use_store();
    let action = use_state(|| FaultAction::PowerOff);
    let host = use_state(String::new);
    let garp = use_state(|| GarpPolicy::Honor);
    let timeout = use_state(|| "30s".to_string());
    let pod = use_state(String::new);
    let error = use_state(|| None::<String>);
    let bgp = use_memo(store.scenario.as_ref().map(|s| Rc::as_ptr(s) as usize), {
        let scenario = store.scenario.clone();
        move |_| scenario.map(|s| bgp_versions(&s)).unwrap_or_default()
    });
    let Some(entry) = store.active().cloned() else { return html! {} };
    let run = entry.run.borrow();
    let world = run.world();

    let hosts: Vec<String> = world
        .net
        .hosts
        .iter()
        .filter(|h| !node_only(*action) || h.role == Role::Node)
        .map(|h| h.name.to_string())
        .collect();
    let chosen = if hosts.contains(&*host) { (*host).clone() } else { hosts.first().cloned().unwrap_or_default() };
    // The remedies act on the host whose stale ARP entry is the story: the
    // router, or the client that reaches the VIP's subnet itself.
    let resolver = entry.story.resolver.clone();
    let pods: Vec<String> = world.cluster.pods.values().filter(|p| !p.terminating()).map(|p| p.name.clone()).collect();

    let branch = |a: SimAction| {
        let store = store.clone();
        Callback::from(move |_: MouseEvent| store.dispatch(Action::Branch(a.clone())))
    };
    let on_action = {
        let action = action.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(a) = FAULTS.iter().find(|a| fault_name(**a) == v) {
                action.set(*a);
            }
        })
    };
    let on_host = {
        let host = host.clone();
        Callback::from(move |e: Event| host.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_garp = {
        let garp = garp.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            garp.set(if v == "ignore" { GarpPolicy::Ignore } else { GarpPolicy::Honor });
        })
    };
    let on_timeout = {
        let timeout = timeout.clone();
        Callback::from(move |e: InputEvent| timeout.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let on_pod = {
        let pod = pod.clone();
        Callback::from(move |e: Event| pod.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_apply = {
        let store = store.clone();
        let (action, garp, timeout, pod, error) = (*action, *garp, (*timeout).clone(), (*pod).clone(), error.clone());
        let chosen = chosen.clone();
        let first_pod = pods.first().cloned().unwrap_or_default();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut step = fault(&chosen, action);
            match action {
                FaultAction::SetGarp => step.garp = Some(garp),
                FaultAction::SetArpTimeout => match Duration::parse(&timeout) {
                    Ok(t) => step.arp_timeout = Some(t),
                    Err(e) => return error.set(Some(format!("ARP timeout: {e}"))),
                },
                FaultAction::DeletePod => step.pod = Some(if pod.is_empty() { first_pod.clone() } else { pod.clone() }),
                _ => {}
            }
            error.set(None);
            store.dispatch(Action::Branch(SimAction::Fault(step)));
        })
    };

    let remedies = resolver.iter().map(|r| {
        let mut honor = fault(r, FaultAction::SetGarp);
        honor.garp = Some(GarpPolicy::Honor);
        let mut short = fault(r, FaultAction::SetArpTimeout);
        short.arp_timeout = Some(Duration::from_secs(30));
        html! {
            <>
                <button type="button" onclick={branch(SimAction::Fault(fault(r, FaultAction::FlushArp)))}>
                    { format!("Flush {r}'s ARP cache") }
                </button>
                <button type="button" onclick={branch(SimAction::Fault(honor))}>{ format!("{r}: honour GARP") }</button>
                <button type="button" onclick={branch(SimAction::Fault(short))}>{ format!("{r}: ARP timeout 30 s") }</button>
            </>
        }
    });
    let bgp_links = bgp.iter().map(|s| {
        let store = store.clone();
        let shipped = s.clone();
        let open = Callback::from(move |_| open_shipped(&store, &shipped, None));
        html! { <button type="button" onclick={open}>{ format!("Open the BGP version: {}", s.title) }</button> }
    });

    let runs = store.runs.iter().enumerate().map(|(i, r)| {
        let parent = r.parent.and_then(|p| store.runs.iter().find(|x| x.id == p)).map(|p| p.label.clone());
        let outage = r.story.longest_outage().map(|o| {
            format!("longest outage {}{}", o.length().human(), if o.ongoing { " (until the end)" } else { "" })
        });
        let show = {
            let store = store.clone();
            Callback::from(move |_| store.dispatch(Action::SwitchRun(i)))
        };
        let compare = {
            let store = store.clone();
            Callback::from(move |_| store.dispatch(Action::Compare(Some(i))))
        };
        let active = i == store.active;
        html! {
            <li class={classes!(active.then_some("active"))} data-run={r.id.to_string()}>
                <span class="run-label">{ &r.label }</span>
                if let (Some(p), Some(at)) = (parent, r.forked_at) {
                    <span class="run-origin">{ format!(" branched from {p} at {}", super::secs(at)) }</span>
                }
                <span class="run-outage">{ outage.unwrap_or_else(|| "no failed requests".into()) }</span>
                if active {
                    <span class="badge">{ "shown" }</span>
                } else {
                    <button type="button" onclick={show}>{ "Show" }</button>
                    <button type="button" onclick={compare}>{ "Compare" }</button>
                }
            </li>
        }
    });

    html! {
        <section class="panel branches" aria-labelledby="branches-title">
            <h2 id="branches-title">{ "What if? Branch at the cursor" }</h2>
            if resolver.is_some() {
                <div class="remedies" role="group" aria-label="Remedies at the cursor">{ for remedies }{ for bgp_links }</div>
            }
            <form class="fault-form" onsubmit={on_apply} aria-label="Inject a fault">
                <label class="field">
                    <span>{ "Fault" }</span>
                    <select onchange={on_action}>
                        { for FAULTS.iter().map(|a| html! {
                            <option value={fault_name(*a)} selected={*a == *action}>{ fault_name(*a) }</option>
                        }) }
                    </select>
                </label>
                if *action != FaultAction::DeletePod {
                    <label class="field">
                        <span>{ "Host" }</span>
                        <select onchange={on_host}>
                            { for hosts.iter().map(|h| html! { <option value={h.clone()} selected={*h == chosen}>{ h }</option> }) }
                        </select>
                    </label>
                }
                if *action == FaultAction::SetGarp {
                    <label class="field">
                        <span>{ "GARP" }</span>
                        <select onchange={on_garp}>
                            <option value="honor" selected={*garp == GarpPolicy::Honor}>{ "honor" }</option>
                            <option value="ignore" selected={*garp == GarpPolicy::Ignore}>{ "ignore" }</option>
                        </select>
                    </label>
                }
                if *action == FaultAction::SetArpTimeout {
                    <label class="field">
                        <span>{ "ARP timeout" }</span>
                        <input type="text" value={(*timeout).clone()} oninput={on_timeout} size="6" />
                    </label>
                }
                if *action == FaultAction::DeletePod {
                    <label class="field">
                        <span>{ "Pod" }</span>
                        <select onchange={on_pod}>
                            { for pods.iter().map(|p| html! { <option value={p.clone()} selected={*p == *pod}>{ p }</option> }) }
                        </select>
                    </label>
                }
                <button type="submit">{ format!("Apply at {}", super::secs(world.now)) }</button>
                if let Some(e) = &*error {
                    <p class="error" role="alert">{ e }</p>
                }
            </form>
            <h3>{ "Runs" }</h3>
            <ul class="runs">{ for runs }</ul>
        </section>
    }
}
