//! The scenario document (`apiVersion: vipsim/v1`, `kind: Scenario`): the
//! LAN, the cluster's load-balancer stack, the timeline of actions and the
//! goals. The contract is `shared/scenario-format.md`; everything here is
//! documented for authors in `scenarios/README.md`.

use crate::engine::trace::DropCode;
use crate::k8s::cluster::{AnnounceKind, ClusterConfig, LoadBalancerKind};
use crate::net::host::{Datapath, RuleDirection, RuleProto};
use crate::net::neighbor::{GarpPolicy, NeighborModel};
use crate::sort::Sort;
use crate::time::Duration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioDoc {
    pub api_version: String,
    pub kind: String,
    pub metadata: ScenarioMeta,
    pub spec: ScenarioSpec,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioMeta {
    /// The id used in URLs and file names.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Markdown shown in the lesson panel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Position in the workshop index; present on workshop exercises.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise: Option<u32>,
    /// The title and lesson in other languages, by language code (`ko`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, MetaTranslation>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MetaTranslation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl ScenarioMeta {
    /// The title in `lang`, falling back to English and then to the id.
    pub fn title_in(&self, lang: &str) -> &str {
        self.translations.get(lang).and_then(|t| t.title.as_deref()).or(self.title.as_deref()).unwrap_or(&self.name)
    }

    /// The lesson in `lang`, falling back to English.
    pub fn description_in(&self, lang: &str) -> Option<&str> {
        self.translations.get(lang).and_then(|t| t.description.as_deref()).or(self.description.as_deref())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioSpec {
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default = "default_duration")]
    pub duration: Duration,
    #[serde(default)]
    pub cluster: ClusterSpec,
    pub hosts: Vec<HostSpec>,
    #[serde(default)]
    pub switch: SwitchSpec,
    #[serde(default)]
    pub timeline: Vec<Step>,
    #[serde(default)]
    pub goals: Vec<Goal>,
    /// Named alternatives of the timeline, for "what if" comparisons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
    /// The author's solution to a workshop exercise: steps the playground
    /// applies, as branches, when the learner asks for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub solution: Vec<Step>,
}

/// The variant name that runs the author's solution.
pub const SOLUTION: &str = "solution";

/// A variant: the base timeline without the steps named in `drop`, plus the
/// steps in `add` (e.g. "the router honours GARP": add a set-garp at 0s).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Variant {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drop: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add: Vec<Step>,
    /// The title in other languages, by language code (`ko: { title: … }`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, TitleTranslation>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TitleTranslation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl Variant {
    /// The title in `lang`, falling back to English and then to the name.
    pub fn title_in(&self, lang: &str) -> &str {
        self.translations.get(lang).and_then(|t| t.title.as_deref()).or(self.title.as_deref()).unwrap_or(&self.name)
    }
}

impl ScenarioSpec {
    /// A timeline note (as the trace records it, in English) in `lang`:
    /// the translation the step carries, else the note itself.
    pub fn note_in<'a>(&'a self, note: &'a str, lang: &str) -> &'a str {
        let steps = self.timeline.iter().chain(self.variants.iter().flat_map(|v| &v.add)).chain(&self.solution);
        steps
            .filter(|s| s.note() == Some(note))
            .find_map(|s| s.translations.get(lang).and_then(|t| t.note.as_deref()))
            .unwrap_or(note)
    }

    /// The timeline of the base scenario or of a variant, in time order
    /// (steps at the same time keep file order, base steps first).
    /// The name `solution` (unless a variant claims it) is the base
    /// timeline plus the author's solution steps.
    pub fn timeline_for(&self, variant: Option<&str>) -> Result<Vec<Step>, String> {
        let Some(name) = variant else { return Ok(self.timeline.clone()) };
        if name == SOLUTION && !self.solution.is_empty() && !self.variants.iter().any(|v| v.name == SOLUTION) {
            let mut steps = self.timeline.clone();
            steps.extend(self.solution.iter().cloned());
            steps.stable_sort_by_key(|s| s.at);
            return Ok(steps);
        }
        let v = self.variants.iter().find(|v| v.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
            format!(
                "no variant `{name}` (this scenario has: {})",
                if names.is_empty() { "none".into() } else { names.join(", ") }
            )
        })?;
        let mut steps: Vec<Step> =
            self.timeline.iter().filter(|s| s.name.as_ref().is_none_or(|n| !v.drop.contains(n))).cloned().collect();
        steps.extend(v.add.iter().cloned());
        steps.stable_sort_by_key(|s| s.at);
        Ok(steps)
    }
}

fn default_seed() -> u64 {
    1
}
fn default_duration() -> Duration {
    Duration::from_secs(60)
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClusterSpec {
    #[serde(default)]
    pub load_balancer: LoadBalancerKind,
    #[serde(default)]
    pub announce: AnnounceKind,
    /// Default: `ebpf` with Cilium, `iptables` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datapath: Option<Datapath>,
    #[serde(default = "default_service_cidr", rename = "serviceCIDR")]
    pub service_cidr: String,
    #[serde(default = "default_pod_cidr", rename = "podCIDR")]
    pub pod_cidr: String,
    /// Per-node pod CIDR prefix length (a /24 per node by default).
    #[serde(default = "default_node_mask")]
    pub node_cidr_mask_size: u8,
    /// kube-proxy IPVS `strictARP` (arp_ignore=1, arp_announce=2).
    #[serde(default, rename = "strictARP")]
    pub strict_arp: bool,
    /// kube-controller-manager --node-monitor-grace-period.
    #[serde(default = "default_grace")]
    pub node_monitor_grace_period: Duration,
    /// The not-ready/unreachable toleration that delays pod eviction.
    #[serde(default = "default_eviction")]
    pub pod_eviction_timeout: Duration,
    /// How long MetalLB speakers take to notice a dead peer (memberlist).
    #[serde(default = "default_memberlist")]
    pub speaker_failure_detection: Duration,
    /// Refused with the reason: no MetalLB release has a periodic
    /// gratuitous ARP (kept so an old file gets that reason, not "unknown field").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gratuitous_arp_interval: Option<Duration>,
    /// Cilium `--l2-announcements-lease-duration`.
    #[serde(default = "default_lease")]
    pub l2_lease_duration: Duration,
    #[serde(default = "default_renew")]
    pub l2_lease_renew_deadline: Duration,
    #[serde(default = "default_retry")]
    pub l2_lease_retry_period: Duration,
    /// How long after it is scheduled a pod becomes Ready (image pull + readiness).
    #[serde(default = "default_pod_start")]
    pub pod_startup: Duration,
}

// The defaults are Kubernetes', MetalLB's and Cilium's: `ClusterConfig::default()` holds them.
fn default_service_cidr() -> String {
    ClusterConfig::default().service_cidr.to_string()
}
fn default_pod_cidr() -> String {
    ClusterConfig::default().pod_cidr.to_string()
}
fn default_node_mask() -> u8 {
    24
}
fn default_grace() -> Duration {
    ClusterConfig::default().node_monitor_grace
}
fn default_eviction() -> Duration {
    ClusterConfig::default().eviction_timeout
}
fn default_memberlist() -> Duration {
    ClusterConfig::default().memberlist_detection
}
fn default_lease() -> Duration {
    ClusterConfig::default().lease_duration
}
fn default_renew() -> Duration {
    ClusterConfig::default().renew_deadline
}
fn default_retry() -> Duration {
    ClusterConfig::default().retry_period
}
fn default_pod_start() -> Duration {
    ClusterConfig::default().pod_startup
}

impl Default for ClusterSpec {
    fn default() -> Self {
        ClusterSpec {
            load_balancer: LoadBalancerKind::default(),
            announce: AnnounceKind::default(),
            datapath: None,
            service_cidr: default_service_cidr(),
            pod_cidr: default_pod_cidr(),
            node_cidr_mask_size: default_node_mask(),
            strict_arp: false,
            node_monitor_grace_period: default_grace(),
            pod_eviction_timeout: default_eviction(),
            speaker_failure_detection: default_memberlist(),
            gratuitous_arp_interval: None,
            l2_lease_duration: default_lease(),
            l2_lease_renew_deadline: default_renew(),
            l2_lease_retry_period: default_retry(),
            pod_startup: default_pod_start(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HostRole {
    Client,
    Node,
    Router,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostSpec {
    pub name: String,
    pub role: HostRole,
    /// Address with prefix, e.g. `10.0.1.10/24`.
    pub ip: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// `topology.kubernetes.io/zone` of a node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Extra node labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// A client behind this router, on its own link (story A's upstream side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbor: Option<NeighborSpec>,
    /// A node's pod CIDR (default: the next slice of the cluster's podCIDR).
    #[serde(default, rename = "podCIDR", skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    /// A router's BGP AS number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    /// A router's `net.ipv4.fib_multipath_hash_policy`: 0 (Linux's default,
    /// source and destination address) or 1 (the 5-tuple) picks the next
    /// hop of an ECMP route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multipath_hash_policy: Option<u8>,
    /// Extra static routes, e.g. the VIP range on-link:
    /// `- {to: 192.0.2.0/24, dev: eth0}` or `- {to: 10.9.0.0/16, via: 10.0.1.1}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteSpec>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteSpec {
    /// A CIDR, or `default`.
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// Interface name (default `eth0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dev: Option<String>,
}

/// A host's ARP behaviour.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NeighborSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<NeighborModel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub garp: Option<GarpPolicy>,
    /// Cisco-style absolute timeout (default 4h).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arp_timeout: Option<Duration>,
    /// Linux net.ipv4.conf.*.arp_accept (0, 1 or 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arp_accept: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_reachable_time: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_first_probe_time: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gc_stale_time: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locktime: Option<Duration>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SwitchSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// MAC address table aging (default 300s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac_aging: Option<Duration>,
    /// Unicast to a MAC not in the table: `flood` (default) or `block`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_unicast: Option<crate::net::switch::UnknownUnicast>,
}

/// One timeline entry: one action (`run`, `apply`, `delete`, `fault`,
/// `note`, or a `predict` checkpoint) at a time, optionally repeated
/// `every` interval `until` a time.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// Optional handle, for variants that drop the step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub at: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub every: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Duration>,
    /// Written as its own key beside `at` (`run: {...}`, `note: ...`).
    #[serde(flatten)]
    pub action: StepAction,
    /// A note in other languages, by language code (`ko: { note: … }`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, NoteTranslation>,
}

/// What a step does: exactly one of these.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StepAction {
    Run(RunStep),
    /// Apply a held manifest (`vipsim/hold: "true"`) by `metadata.name`.
    Apply(String),
    /// Delete an object by `metadata.name` (`kind/name` when ambiguous).
    Delete(String),
    Fault(FaultStep),
    /// A lesson marker: text shown on the timeline at this time.
    Note(String),
    /// A checkpoint: playback pauses here and asks the learner to predict
    /// what happens next (see [`Predict`]). The engine never sees it.
    Predict(Predict),
}

impl StepAction {
    /// The key a scenario file writes it under.
    pub fn key(&self) -> &'static str {
        match self {
            StepAction::Run(_) => "run",
            StepAction::Apply(_) => "apply",
            StepAction::Delete(_) => "delete",
            StepAction::Fault(_) => "fault",
            StepAction::Note(_) => "note",
            StepAction::Predict(_) => "predict",
        }
    }
}

impl Step {
    /// The checkpoint's handle for saved guesses: the step's `name`, else
    /// its time (`27s`).
    pub fn checkpoint_id(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.at.to_string())
    }

    /// The step's lesson note, if it is one.
    pub fn note(&self) -> Option<&str> {
        match &self.action {
            StepAction::Note(n) => Some(n),
            _ => None,
        }
    }

    /// The step's checkpoint, if it is one.
    pub fn predict(&self) -> Option<&Predict> {
        match &self.action {
            StepAction::Predict(p) => Some(p),
            _ => None,
        }
    }
}

/// The error of a step without an action. Serde places it where the step
/// starts; [`load`](crate::scenario::load) locates it by its path instead,
/// as it does the next one.
pub const STEP_WITHOUT_ACTION: &str = "a step needs one of run | apply | delete | fault | note | predict";

/// How the error of a step's second action starts; its path ends at the
/// second action's key.
pub const STEP_WITH_TWO_ACTIONS: &str = "a step does one thing";

fn step_with_two_actions(first: &str, second: &str) -> String {
    format!("{STEP_WITH_TWO_ACTIONS}, and this one has both `{first}` and `{second}`: make it two steps")
}

/// Read by hand rather than derived, so that a step is one [`StepAction`]
/// while every mistake keeps the located message a derived struct gives:
/// an unknown key is named with the valid ones (from the field identifier
/// below), a bad value is reported inside it, and a second action is
/// reported at its own key. (serde's enum representations buffer the map,
/// and the buffered values lose their positions.)
impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Step, D::Error> {
        use serde::de::{self, MapAccess, Visitor};

        #[derive(Deserialize)]
        #[serde(field_identifier, rename_all = "camelCase")]
        enum Key {
            Name,
            At,
            Every,
            Until,
            Run,
            Apply,
            Delete,
            Fault,
            Note,
            Predict,
            Translations,
        }
        const KEYS: &[&str] =
            &["name", "at", "every", "until", "run", "apply", "delete", "fault", "note", "predict", "translations"];

        /// A second action's value: refused where it stands, so the
        /// error's path ends at its key.
        struct SecondAction(String);
        impl<'de> de::DeserializeSeed<'de> for SecondAction {
            type Value = ();
            fn deserialize<D: serde::Deserializer<'de>>(self, _: D) -> Result<(), D::Error> {
                Err(de::Error::custom(self.0))
            }
        }

        struct StepVisitor;
        impl<'de> Visitor<'de> for StepVisitor {
            type Value = Step;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a timeline step: `at` and one of run | apply | delete | fault | note | predict")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Step, A::Error> {
                let (mut name, mut at, mut every, mut until, mut translations) = (None, None, None, None, None);
                let mut action: Option<StepAction> = None;
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::Name => once(&mut name, map.next_value()?, "name")?,
                        Key::At => once(&mut at, map.next_value()?, "at")?,
                        Key::Every => once(&mut every, map.next_value()?, "every")?,
                        Key::Until => once(&mut until, map.next_value()?, "until")?,
                        Key::Translations => once(&mut translations, map.next_value()?, "translations")?,
                        Key::Run => action = Some(StepAction::Run(only_action(&mut map, &action, "run")?)),
                        Key::Apply => action = Some(StepAction::Apply(only_action(&mut map, &action, "apply")?)),
                        Key::Delete => action = Some(StepAction::Delete(only_action(&mut map, &action, "delete")?)),
                        Key::Fault => action = Some(StepAction::Fault(only_action(&mut map, &action, "fault")?)),
                        Key::Note => action = Some(StepAction::Note(only_action(&mut map, &action, "note")?)),
                        Key::Predict => {
                            action = Some(StepAction::Predict(only_action(&mut map, &action, "predict")?));
                        }
                    }
                }
                let at = at.ok_or_else(|| de::Error::missing_field("at"))?;
                let action = action.ok_or_else(|| de::Error::custom(STEP_WITHOUT_ACTION))?;
                Ok(Step { name, at, every, until, action, translations: translations.unwrap_or_default() })
            }
        }

        /// Keeps a value read once (`at` twice is an error, as derived).
        fn once<T, E: de::Error>(slot: &mut Option<T>, value: T, key: &'static str) -> Result<(), E> {
            if slot.replace(value).is_some() { Err(E::duplicate_field(key)) } else { Ok(()) }
        }

        /// The value of action `key`, unless the step has an action already.
        fn only_action<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
            map: &mut A,
            action: &Option<StepAction>,
            key: &'static str,
        ) -> Result<T, A::Error> {
            let Some(first) = action else { return map.next_value() };
            if first.key() == key {
                return Err(de::Error::duplicate_field(key));
            }
            let message = step_with_two_actions(first.key(), key);
            Err(match map.next_value_seed(SecondAction(message.clone())) {
                Err(e) => e,
                Ok(()) => de::Error::custom(message),
            })
        }

        deserializer.deserialize_struct("Step", KEYS, StepVisitor)
    }
}

/// Predict, then observe: a question at the step's time with choices, each
/// carrying a check over the run. The answer is never written down: it is
/// the first choice whose check holds at `reveal`, over what happened from
/// the checkpoint on, so a branch or an edited scenario answers for itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Predict {
    pub question: String,
    pub choices: Vec<Choice>,
    /// When the run has shown the answer (default: 5 s after the checkpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reveal: Option<Duration>,
    /// Why it happens, shown with the answer (markdown-free text).
    pub explain: String,
    /// The question, the choices' labels (in order) and the explanation in
    /// other languages.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, PredictTranslation>,
}

/// Without `reveal`, the answer is read this long after the checkpoint.
pub const DEFAULT_REVEAL_AFTER: Duration = Duration::from_secs(5);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Choice {
    pub label: String,
    /// The check over the run that makes this choice the answer. Optional
    /// here only so a missing one gets the loader's own message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Check>,
    /// Why, when this choice is what happened (a branch can make another
    /// choice the answer); default: the checkpoint's `explain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NoteTranslation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PredictTranslation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// One per choice, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<ChoiceTranslation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChoiceTranslation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<String>,
}

impl Predict {
    /// The time the answer is read, for a checkpoint at `at`.
    pub fn reveal_at(&self, at: Duration) -> Duration {
        self.reveal.unwrap_or(at + DEFAULT_REVEAL_AFTER)
    }

    pub fn question_in(&self, lang: &str) -> &str {
        self.translations.get(lang).and_then(|t| t.question.as_deref()).unwrap_or(&self.question)
    }

    /// Why choice `answer` happened (or, with no answer, the general
    /// explanation), in `lang`.
    pub fn explain_in(&self, answer: Option<usize>, lang: &str) -> &str {
        let t = self.translations.get(lang);
        let own = answer.and_then(|i| {
            t.and_then(|t| t.choices.get(i))
                .and_then(|c| c.explain.as_deref())
                .or_else(|| self.choices.get(i).and_then(|c| c.explain.as_deref()))
        });
        own.or_else(|| t.and_then(|t| t.explain.as_deref())).unwrap_or(&self.explain)
    }

    /// The label of choice `i` in `lang`.
    pub fn choice_in(&self, i: usize, lang: &str) -> &str {
        self.translations
            .get(lang)
            .and_then(|t| t.choices.get(i))
            .and_then(|c| c.label.as_deref())
            .or(self.choices.get(i).map(|c| c.label.as_str()))
            .unwrap_or_default()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunStep {
    pub host: String,
    pub cmd: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultAction {
    PowerOff,
    PowerOn,
    Partition,
    Heal,
    StopSpeaker,
    StartSpeaker,
    Cordon,
    Uncordon,
    Drain,
    DeletePod,
    FlushArp,
    /// Change a host's GARP policy (`garp: honor|ignore`).
    SetGarp,
    /// Change a host's Cisco-style ARP timeout (`arpTimeout:`).
    SetArpTimeout,
    /// Install a drop rule on a host (`proto:`, `from:`, `direction:`).
    Drop,
    /// Remove the host's drop/delay rules.
    ClearRules,
}

impl FaultAction {
    /// The name scenario files and the trace use (`power-off`...).
    pub fn name(self) -> &'static str {
        match self {
            FaultAction::PowerOff => "power-off",
            FaultAction::PowerOn => "power-on",
            FaultAction::Partition => "partition",
            FaultAction::Heal => "heal",
            FaultAction::StopSpeaker => "stop-speaker",
            FaultAction::StartSpeaker => "start-speaker",
            FaultAction::Cordon => "cordon",
            FaultAction::Uncordon => "uncordon",
            FaultAction::Drain => "drain",
            FaultAction::DeletePod => "delete-pod",
            FaultAction::FlushArp => "flush-arp",
            FaultAction::SetGarp => "set-garp",
            FaultAction::SetArpTimeout => "set-arp-timeout",
            FaultAction::Drop => "drop",
            FaultAction::ClearRules => "clear-rules",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultStep {
    pub host: String,
    pub action: FaultAction,
    /// `delete-pod`: the pod name, or a Deployment name to delete one of its pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub garp: Option<GarpPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arp_timeout: Option<Duration>,
    /// `drop`: match frames of this protocol (ARP, TCP, UDP, ICMP, in any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proto: Option<RuleProto>,
    /// `drop`: match frames whose sender IP is this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// `drop`: in, out or both (default both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<RuleDirection>,
}

impl FaultStep {
    /// `action` on `host`, with none of the optional settings.
    pub fn new(host: &str, action: FaultAction) -> FaultStep {
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
}

/// A workshop check over the state or the trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Goal {
    /// What the learner reads, e.g. "client success rate after 30s >= 99%".
    pub name: String,
    /// When to evaluate (default: the end of the run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Duration>,
    pub check: Check,
    /// Tiered hints: nudge, pointer, solution.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
    /// The name and hints in other languages.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, GoalTranslation>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GoalTranslation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
}

impl Goal {
    pub fn name_in(&self, lang: &str) -> &str {
        self.translations.get(lang).and_then(|t| t.name.as_deref()).unwrap_or(&self.name)
    }

    pub fn hints_in(&self, lang: &str) -> &[String] {
        match self.translations.get(lang) {
            Some(t) if !t.hints.is_empty() => &t.hints,
            _ => &self.hints,
        }
    }
}

/// What a goal checks: exactly one of the keys below, e.g.
/// `check: { successRate: { host: client, after: 30s, atLeast: 99 } }`.
/// (A map with one key rather than a YAML-tagged enum, so authors write
/// plain YAML.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CheckDoc", into = "CheckDoc")]
pub enum Check {
    SuccessRate(SuccessRateCheck),
    Neighbor(NeighborCheck),
    Leader(LeaderCheck),
    ExternalIp(ExternalIpCheck),
    ClientIpObserved(ClientIpCheck),
    Command(CommandCheck),
    Drops(DropsCheck),
    Ran(RanCheck),
    Floods(FloodsCheck),
    FrameTo(FrameToCheck),
    Route(RouteCheck),
}

/// Share of the host's timeline commands (optionally only those whose
/// command line contains `cmd`) that exited 0, in a time window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SuccessRateCheck {
    pub host: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Duration>,
    /// Only the last `within` before the evaluation time (a live window
    /// for workshops: "the VIP works now").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Duration>,
    /// Percent, 0-100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
}

/// A host's neighbour entry for `ip` points at `node`'s MAC (or `mac`), optionally in `state`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NeighborCheck {
    pub host: String,
    pub ip: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// The node announcing a Service's VIP (`none` for nobody, `any` for somebody).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LeaderCheck {
    pub service: String,
    pub node: String,
}

/// A Service's EXTERNAL-IP column (`<pending>` allowed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalIpCheck {
    pub service: String,
    pub ip: String,
}

/// Some pod's app observed a request from this client IP (source preserved).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientIpCheck {
    pub ip: String,
}

/// The output of an instant command run at evaluation time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommandCheck {
    pub host: String,
    pub cmd: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    /// Every one of these strings must appear.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contains_all: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit: Option<i32>,
}

/// Number of drops with a reason (e.g. `no_local_endpoints`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DropsCheck {
    pub reason: DropCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<u64>,
}

/// Someone ran a command (its line contains `cmd`) that exited 0 and, if
/// given, whose output contains `outputContains` (the learner used the tool).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RanCheck {
    pub cmd: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_contains: Option<String>,
}

/// The switch flooded unknown unicast at most `atMost` times after `after`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FloodsCheck {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<u64>,
}

/// The first packet `host` sends to `ip` (at or after `after`) goes to
/// `node`'s MAC, or to `mac`; `node: none`: it sends none (it cannot
/// resolve the address, or has no route).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FrameToCheck {
    pub host: String,
    pub ip: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Duration>,
}

/// `host`'s most specific route to `ip` goes via exactly these hosts, in
/// any order (`[]`: the address is on-link, the host ARPs for it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteCheck {
    pub host: String,
    pub ip: String,
    pub via: Vec<String>,
}

/// The YAML shape of a [`Check`]: one key set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_rate: Option<SuccessRateCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbor: Option<NeighborCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<LeaderCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ip: Option<ExternalIpCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ip_observed: Option<ClientIpCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drops: Option<DropsCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ran: Option<RanCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floods: Option<FloodsCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_to: Option<FrameToCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteCheck>,
}

pub const CHECK_KINDS: &[&str] = &[
    "successRate",
    "neighbor",
    "leader",
    "externalIp",
    "clientIpObserved",
    "command",
    "drops",
    "ran",
    "floods",
    "frameTo",
    "route",
];

impl TryFrom<CheckDoc> for Check {
    type Error = String;
    fn try_from(d: CheckDoc) -> Result<Check, String> {
        let mut found: Vec<Check> = Vec::new();
        found.extend(d.success_rate.map(Check::SuccessRate));
        found.extend(d.neighbor.map(Check::Neighbor));
        found.extend(d.leader.map(Check::Leader));
        found.extend(d.external_ip.map(Check::ExternalIp));
        found.extend(d.client_ip_observed.map(Check::ClientIpObserved));
        found.extend(d.command.map(Check::Command));
        found.extend(d.drops.map(Check::Drops));
        found.extend(d.ran.map(Check::Ran));
        found.extend(d.floods.map(Check::Floods));
        found.extend(d.frame_to.map(Check::FrameTo));
        found.extend(d.route.map(Check::Route));
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(format!("a check needs exactly one of: {}", CHECK_KINDS.join(", "))),
            _ => Err(format!("a check has exactly one of {}; this one has {}", CHECK_KINDS.join(", "), found.len())),
        }
    }
}

impl From<Check> for CheckDoc {
    fn from(c: Check) -> CheckDoc {
        let mut d = CheckDoc::default();
        match c {
            Check::SuccessRate(x) => d.success_rate = Some(x),
            Check::Neighbor(x) => d.neighbor = Some(x),
            Check::Leader(x) => d.leader = Some(x),
            Check::ExternalIp(x) => d.external_ip = Some(x),
            Check::ClientIpObserved(x) => d.client_ip_observed = Some(x),
            Check::Command(x) => d.command = Some(x),
            Check::Drops(x) => d.drops = Some(x),
            Check::Ran(x) => d.ran = Some(x),
            Check::Floods(x) => d.floods = Some(x),
            Check::FrameTo(x) => d.frame_to = Some(x),
            Check::Route(x) => d.route = Some(x),
        }
        d
    }
}

#[cfg(test)]
mod fault_names {
    use super::FaultAction::{self, *};

    #[test]
    fn each_fault_is_named_as_scenario_files_spell_it() {
        let all = [
            PowerOff,
            PowerOn,
            Partition,
            Heal,
            StopSpeaker,
            StartSpeaker,
            Cordon,
            Uncordon,
            Drain,
            DeletePod,
            FlushArp,
            SetGarp,
            SetArpTimeout,
            Drop,
            ClearRules,
        ];
        for a in all {
            assert_eq!(serde_json::to_value(a).unwrap(), a.name(), "{a:?}");
            assert_eq!(serde_json::from_value::<FaultAction>(a.name().into()).unwrap(), a);
        }
    }
}

#[cfg(test)]
mod steps {
    use super::*;

    /// A step is written as it is read: its action is a key beside `at`,
    /// and what is written reads back the same (a fault's protocol in the
    /// engine's spelling, whatever case the file used).
    #[test]
    fn steps_are_written_as_they_are_read() {
        let text = "- { at: 1s, every: 1s, until: 30s, name: poll, run: { host: lb-0, cmd: curl -s http://vip/ } }\n\
                    - { at: 5s, apply: l2 }\n\
                    - { at: 6s, delete: Service/web }\n\
                    - { at: 7s, fault: { host: gw, action: drop, proto: udp, direction: in } }\n\
                    - { at: 8s, note: the VIP moved }\n";
        let steps: Vec<Step> = serde_norway::from_str(text).unwrap();
        let keys: Vec<&str> = steps.iter().map(|s| s.action.key()).collect();
        assert_eq!(keys, ["run", "apply", "delete", "fault", "note"]);
        let StepAction::Fault(fault) = &steps[3].action else { panic!("a fault") };
        assert_eq!((fault.proto, fault.direction), (Some(RuleProto::Udp), Some(RuleDirection::In)));
        let written = serde_norway::to_string(&steps).unwrap();
        assert_eq!(
            written,
            "- name: poll\n  at: 1s\n  every: 1s\n  until: 30s\n  run:\n    host: lb-0\n    cmd: curl -s http://vip/\n\
             - at: 5s\n  apply: l2\n\
             - at: 6s\n  delete: Service/web\n\
             - at: 7s\n  fault:\n    host: gw\n    action: drop\n    proto: UDP\n    direction: in\n\
             - at: 8s\n  note: the VIP moved\n"
        );
        assert_eq!(serde_norway::from_str::<Vec<Step>>(&written).unwrap(), steps);
    }
}
