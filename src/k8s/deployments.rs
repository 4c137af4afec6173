//! The Deployment and ReplicaSet controllers, after Kubernetes 1.34's
//! pkg/controller/deployment (sync.go, rolling.go, recreate.go,
//! progress.go, util/deployment_util.go) and pkg/controller/replicaset.
//!
//! A Deployment owns one ReplicaSet per pod template it has had, named
//! `<deployment>-<pod-template-hash>`. A changed template gets a new
//! ReplicaSet, which the RollingUpdate strategy scales up by at most
//! `maxSurge` pods over the desired count while old ReplicaSets are scaled
//! down only as far as `maxUnavailable` allows, so old pods go as new ones
//! become ready; Recreate scales the old ones to zero and waits until their
//! pods are gone. A change of `replicas` alone is a scaling event: every
//! active ReplicaSet is resized in proportion. The ReplicaSet controller
//! then creates or deletes pods to match each ReplicaSet's size, deleting
//! the least useful pods first.
//!
//! Each controller works from the cluster state as it is when it runs,
//! the way the real ones work from their informer caches; the control
//! plane runs them in turn until neither has anything left to do, which in
//! a real cluster takes milliseconds.

use super::cluster::{
    Cluster, Condition, Deployment, DeploymentStatus, Key, Pod, PodPhase, REVISION_ANNOTATION, ReplicaSet, key,
};
use super::objects::{DeploymentSpec, LabelSelector, PodTemplateSpec, StrategyType};
use super::workloads::{new_pod, random_suffix};
use crate::rng::SimRng;
use crate::sort::{Collect, Sort};
use crate::time::{Duration, Instant};
use std::collections::BTreeMap;

/// The label that tells a Deployment's ReplicaSets (and their pods) apart.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
/// `spec.progressDeadlineSeconds`' default.
pub const PROGRESS_DEADLINE: Duration = Duration::from_secs(600);

/// `controller.ComputeHash`: FNV-32a over the pod template (and the
/// collision count, little-endian, when there is one), the sum printed in
/// decimal and each digit mapped through apimachinery's
/// `rand.SafeEncodeString`. Kubernetes hashes its Go object dump; vipsim
/// hashes the template's JSON, so the values differ from a real cluster's
/// but have their form: 9-10 characters from `4-9bcdf` (`5d59d67564`).
pub fn pod_template_hash(template: &PodTemplateSpec, collision_count: Option<u32>) -> String {
    let mut h: u32 = 0x811c_9dc5;
    let mut write = |bytes: &[u8]| {
        for b in bytes {
            h ^= u32::from(*b);
            h = h.wrapping_mul(0x0100_0193);
        }
    };
    write(serde_json::to_string(template).unwrap_or_default().as_bytes());
    if let Some(c) = collision_count {
        write(&c.to_le_bytes());
    }
    safe_encode(&h.to_string())
}

/// `rand.SafeEncodeString`: each byte picks a character of the alphabet
/// without vowels and look-alikes.
fn safe_encode(s: &str) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    s.bytes().map(|b| ALPHANUMS[b as usize % ALPHANUMS.len()] as char).collect()
}

/// `EqualIgnoreHash`: the same template once the hash label is dropped.
pub fn equal_ignore_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    let strip = |t: &PodTemplateSpec| {
        let mut t = t.clone();
        t.metadata.labels.remove(POD_TEMPLATE_HASH);
        t
    };
    strip(a) == strip(b)
}

/// `ResolveFenceposts`: maxSurge rounded up and maxUnavailable rounded
/// down against the desired replicas; when both come to zero,
/// maxUnavailable becomes 1 so the rollout can move.
pub fn resolve_fenceposts(spec: &DeploymentSpec) -> (u32, u32) {
    let Some(r) = spec.strategy().rolling_update else { return (0, 0) };
    let surge = r.max_surge.map(|v| v.scaled(spec.replicas, true).unwrap_or(0)).unwrap_or(0);
    let unavailable = r.max_unavailable.map(|v| v.scaled(spec.replicas, false).unwrap_or(0)).unwrap_or(0);
    if surge == 0 && unavailable == 0 { (0, 1) } else { (surge, unavailable) }
}

fn rolling(spec: &DeploymentSpec) -> bool {
    spec.strategy().strategy_type == Some(StrategyType::RollingUpdate)
}

/// `MaxSurge`: 0 unless the strategy is RollingUpdate.
pub fn max_surge(spec: &DeploymentSpec) -> u32 {
    if rolling(spec) { resolve_fenceposts(spec).0 } else { 0 }
}

/// `MaxUnavailable`: 0 unless RollingUpdate, never more than the replicas.
pub fn max_unavailable(spec: &DeploymentSpec) -> u32 {
    if !rolling(spec) || spec.replicas == 0 {
        return 0;
    }
    resolve_fenceposts(spec).1.min(spec.replicas)
}

/// A pod counts for its ReplicaSet until it is deleted (`FilterActivePods`).
fn active(p: &Pod) -> bool {
    !p.terminating()
}

/// A ReplicaSet's status, counted over its pods as the ReplicaSet
/// controller does (`calculateStatus`). minReadySeconds is not modelled,
/// so available means ready.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RsStatus {
    pub replicas: u32,
    pub ready: u32,
    pub available: u32,
}

/// The pods ReplicaSet `rs` owns. It names each pod it creates
/// `<its name>-<suffix>` in its namespace and nothing else sets an owner,
/// so they sit in one range of the pod map ("ns/name-..."): reading that
/// range instead of every pod keeps a pod's change from costing a pass
/// over all pods (5,000 pods coming up made 25 million visits).
pub fn owned_pods<'a>(k: &'a Cluster, rs: &'a Key) -> impl Iterator<Item = &'a Pod> + 'a {
    let prefix = format!("{rs}-");
    k.pods
        .range::<str, _>((std::ops::Bound::Included(prefix.as_str()), std::ops::Bound::Unbounded))
        .take_while(move |(key, _)| key.starts_with(&prefix))
        .map(|(_, p)| p)
        .filter(move |p| p.owner.as_ref() == Some(rs))
}

/// [`RsStatus`] counted from scratch over the ReplicaSet's pods.
pub fn rs_status(k: &Cluster, rs: &Key) -> RsStatus {
    let mut s = RsStatus::default();
    for p in owned_pods(k, rs).filter(|p| active(p)) {
        s.add(p.ready);
    }
    s
}

impl RsStatus {
    fn add(&mut self, ready: bool) {
        self.replicas += 1;
        if ready {
            self.ready += 1;
            self.available += 1;
        }
    }

    fn remove(&mut self, ready: bool) {
        self.replicas -= 1;
        if ready {
            self.ready -= 1;
            self.available -= 1;
        }
    }
}

/// Every ReplicaSet's [`RsStatus`], kept up to date from the pods the
/// controllers touch (`Cluster::touched`) instead of counted over the
/// ReplicaSet's pods at each look: with one Deployment of 1,000 pods, each
/// pod coming up made the Deployment and ReplicaSet controllers count all
/// 1,000 again several times. Rebuilt from scratch after a change the
/// control loop does not track, and when missing (a cloned or
/// deserialised cluster).
#[derive(Clone, Debug, Default)]
pub struct RsCounts {
    valid: bool,
    by_rs: BTreeMap<Key, RsStatus>,
    /// The pods counted, each with its ReplicaSet and readiness as counted.
    counted: BTreeMap<Key, (Key, bool)>,
}

impl RsCounts {
    /// What a pod adds to its ReplicaSet's status: its owner and readiness,
    /// if it counts at all (owned and not terminating).
    fn of(p: &Pod) -> Option<(Key, bool)> {
        let owner = p.owner.as_ref()?;
        active(p).then(|| (owner.clone(), p.ready))
    }

    /// The counts now: the touched pods' contributions replaced, or
    /// everything counted again when anything may have changed.
    pub fn refresh(k: &mut Cluster) {
        let Cluster { touched, pods, caches, .. } = k;
        let c = &mut caches.rs_counts;
        if touched.all || !c.valid {
            c.by_rs.clear();
            c.counted.clear();
            for (pk, p) in pods.iter() {
                if let Some((rs, ready)) = Self::of(p) {
                    c.by_rs.entry(rs.clone()).or_default().add(ready);
                    c.counted.insert(pk.clone(), (rs, ready));
                }
            }
            c.valid = true;
            return;
        }
        for pk in &touched.pods {
            let now = pods.get(pk).and_then(Self::of);
            if c.counted.get(pk) == now.as_ref() {
                continue;
            }
            if let Some((rs, ready)) = c.counted.remove(pk)
                && let Some(s) = c.by_rs.get_mut(&rs)
            {
                s.remove(ready);
            }
            if let Some((rs, ready)) = now {
                c.by_rs.entry(rs.clone()).or_default().add(ready);
                c.counted.insert(pk.clone(), (rs, ready));
            }
        }
    }

    /// A ReplicaSet's status as of the last [`RsCounts::refresh`].
    pub fn status(k: &Cluster, rs: &Key) -> RsStatus {
        debug_assert!(k.caches.rs_counts.valid, "refreshed before use");
        k.caches.rs_counts.by_rs.get(rs).copied().unwrap_or_default()
    }
}

/// The ReplicaSets a Deployment owns, oldest first
/// (`ReplicaSetsByCreationTimestamp`, ties by name).
pub fn owned_replica_sets(k: &Cluster, d: &Deployment) -> Vec<Key> {
    let mut v: Vec<&ReplicaSet> =
        k.replica_sets.values().filter(|rs| rs.namespace == d.namespace && rs.deployment == d.meta.name).collect();
    v.stable_sort_by(|a, b| (a.created, &a.name).cmp(&(b.created, &b.name)));
    v.into_iter().map(|rs| rs.key()).collect()
}

/// What one pass of the Deployment controller did.
#[derive(Debug, Default)]
pub struct Synced {
    pub changed: bool,
    /// Times the controller asked to be run again (progress deadlines).
    pub wake: Vec<Instant>,
}

/// Whether a Deployment's controllers run in this reconcile: every one
/// after a change the control loop does not track, else those whose pods
/// changed and those whose progress deadline is due.
fn due(k: &Cluster, d: &Deployment, now: Instant) -> bool {
    k.touched.all || k.touched.deployments.contains(&d.key()) || d.progress_check.is_some_and(|t| t <= now)
}

/// One pass of the Deployment controller over the Deployments it has to
/// look at ([`due`]).
pub fn sync_deployments(k: &mut Cluster, now: Instant) -> Synced {
    let mut out = Synced::default();
    RsCounts::refresh(k);
    let keys: Vec<Key> = k.deployments.values().filter(|d| due(k, d, now)).map(|d| d.key()).collect();
    for dkey in keys {
        let mut s = Sync { k, dkey: &dkey, now, changed: false, wake: None };
        s.run();
        out.changed |= s.changed;
        let wake = s.wake;
        if let Some(d) = k.deployments.get_mut(&dkey)
            && d.progress_check != wake
        {
            d.progress_check = wake;
            out.wake.extend(wake);
        }
    }
    out
}

/// The sync of one Deployment (`syncDeployment`).
struct Sync<'a> {
    k: &'a mut Cluster,
    dkey: &'a Key,
    now: Instant,
    changed: bool,
    wake: Option<Instant>,
}

impl Sync<'_> {
    fn d(&self) -> &Deployment {
        &self.k.deployments[self.dkey]
    }

    fn rs(&self, key: &Key) -> &ReplicaSet {
        &self.k.replica_sets[key]
    }

    fn run(&mut self) {
        let all = owned_replica_sets(self.k, self.d());
        let new = self.find_new(&all);
        let old: Vec<Key> = all.iter().filter(|r| Some(*r) != new.as_ref()).cloned().collect();
        if self.is_scaling_event(new.as_ref(), &old) {
            self.sync_scale(&all);
            return;
        }
        match self.d().spec.strategy().strategy_type.unwrap_or_default() {
            StrategyType::Recreate => self.rollout_recreate(&all),
            StrategyType::RollingUpdate => self.rollout_rolling(&all),
        }
    }

    /// `FindNewReplicaSet`: the oldest ReplicaSet whose template is the Deployment's.
    fn find_new(&self, all: &[Key]) -> Option<Key> {
        let t = &self.d().spec.template;
        all.iter().find(|r| equal_ignore_hash(&self.rs(r).template, t)).cloned()
    }

    /// `isScalingEvent`: an active ReplicaSet was sized for another replica count.
    fn is_scaling_event(&self, new: Option<&Key>, old: &[Key]) -> bool {
        let want = self.d().spec.replicas.to_string();
        new.into_iter()
            .chain(old)
            .filter(|r| self.rs(r).replicas > 0)
            .any(|r| self.rs(r).annotations.get(DESIRED_REPLICAS).is_some_and(|d| *d != want))
    }

    /// `getAllReplicaSetsAndSyncRevision`: the new ReplicaSet (created when
    /// asked and missing) with its revision brought up to date, and the old ones.
    fn new_and_old(&mut self, all: &[Key], create: bool) -> (Option<Key>, Vec<Key>) {
        let existing = self.find_new(all);
        let old: Vec<Key> = all.iter().filter(|r| Some(*r) != existing.as_ref()).cloned().collect();
        let max_old = old.iter().map(|r| self.rs(r).revision()).max().unwrap_or(0);
        let revision = max_old + 1;
        let new = match existing {
            Some(r) => {
                self.update_new_annotations(&r, revision);
                Some(r)
            }
            None if create => self.create_new(&old, revision),
            None => None,
        };
        if let Some(r) = &new {
            let rev = self.rs(r).revision().to_string();
            let d = self.k.deployments.get_mut(self.dkey).expect("synced");
            if d.meta.annotations.get(REVISION_ANNOTATION) != Some(&rev) {
                d.meta.annotations.insert(REVISION_ANNOTATION.into(), rev);
                self.changed = true;
            }
        }
        (new, old)
    }

    /// `SetNewReplicaSetAnnotations` on an existing new ReplicaSet: the
    /// Deployment's annotations, and a revision above every old one (a
    /// rollback to it moves its old number into `revision-history`).
    fn update_new_annotations(&mut self, r: &Key, revision: u64) {
        let copied = copied_annotations(self.d());
        let rs = self.k.replica_sets.get_mut(r).expect("listed");
        let before = rs.annotations.clone();
        rs.annotations.extend(copied);
        let current = rs.revision();
        if current < revision {
            if rs.annotations.contains_key(REVISION_ANNOTATION) {
                let history = match rs.annotations.get(REVISION_HISTORY) {
                    Some(h) if !h.is_empty() => format!("{h},{current}"),
                    _ => current.to_string(),
                };
                rs.annotations.insert(REVISION_HISTORY.into(), history);
            }
            rs.annotations.insert(REVISION_ANNOTATION.into(), revision.to_string());
        }
        self.changed |= rs.annotations != before;
    }

    /// The new ReplicaSet, sized by `NewRSNewReplicas`, or none when its
    /// name is taken by another template (the collision count goes up and
    /// the next pass tries another name).
    fn create_new(&mut self, old: &[Key], revision: u64) -> Option<Key> {
        let now = self.now;
        let d = self.d().clone();
        let hash = pod_template_hash(&d.spec.template, d.collision_count);
        let name = format!("{}-{hash}", d.meta.name);
        let rkey = key(&d.namespace, &name);
        if self.k.replica_sets.contains_key(&rkey) {
            let dd = self.k.deployments.get_mut(self.dkey).expect("synced");
            dd.collision_count = Some(dd.collision_count.unwrap_or(0) + 1);
            self.changed = true;
            return None;
        }
        let mut template = d.spec.template.clone();
        template.metadata.labels.insert(POD_TEMPLATE_HASH.into(), hash.clone());
        let mut selector: LabelSelector = d.spec.selector.clone();
        selector.match_labels.insert(POD_TEMPLATE_HASH.into(), hash.clone());
        let mut annotations = copied_annotations(&d);
        annotations.insert(REVISION_ANNOTATION.into(), revision.to_string());
        annotations.insert(DESIRED_REPLICAS.into(), d.spec.replicas.to_string());
        annotations.insert(MAX_REPLICAS.into(), (d.spec.replicas + max_surge(&d.spec)).to_string());
        let mut rs = ReplicaSet {
            name: name.clone(),
            namespace: d.namespace.clone(),
            deployment: d.meta.name.clone(),
            pod_template_hash: hash,
            template,
            selector,
            replicas: 0,
            annotations,
            created: now,
        };
        let total: u32 = old.iter().map(|r| self.rs(r).replicas).sum();
        rs.replicas = new_rs_new_replicas(&d.spec, total, 0);
        let replicas = rs.replicas;
        self.k.replica_sets.insert(rkey.clone(), rs);
        self.changed = true;
        if replicas > 0 {
            self.event(format!("Scaled up replica set {name} from 0 to {replicas}"));
        }
        self.set_progressing("True", "NewReplicaSetCreated", format!("Created new replica set \"{name}\""));
        Some(rkey)
    }

    fn event(&mut self, message: String) {
        let (ns, name) = (self.d().namespace.clone(), self.d().meta.name.clone());
        self.k.event(self.now, &ns, &format!("deployment/{name}"), "Normal", "ScalingReplicaSet", message);
    }

    /// `scaleReplicaSet`: a new size (and the replica annotations) for a
    /// ReplicaSet, with the controller's event.
    fn scale_rs(&mut self, r: &Key, to: u32, operation: Option<&str>) -> bool {
        let spec = self.d().spec.clone();
        let desired = spec.replicas.to_string();
        let max = (spec.replicas + max_surge(&spec)).to_string();
        let rs = self.k.replica_sets.get_mut(r).expect("listed");
        let from = rs.replicas;
        let annotations_stale =
            rs.annotations.get(DESIRED_REPLICAS) != Some(&desired) || rs.annotations.get(MAX_REPLICAS) != Some(&max);
        if from == to && !annotations_stale {
            return false;
        }
        rs.replicas = to;
        rs.annotations.insert(DESIRED_REPLICAS.into(), desired);
        rs.annotations.insert(MAX_REPLICAS.into(), max);
        let name = rs.name.clone();
        self.changed = true;
        if from != to {
            let op = operation.unwrap_or(if from < to { "up" } else { "down" });
            self.event(format!("Scaled {op} replica set {name} from {from} to {to}"));
            return true;
        }
        false
    }

    /// `sync` on a scaling event: resize, no rollout step.
    fn sync_scale(&mut self, all: &[Key]) {
        let (new, old) = self.new_and_old(all, false);
        self.scale(new.as_ref(), &old);
        self.sync_status(all_of(&new, &old), new.as_ref(), false);
    }

    /// `scale`: the only active ReplicaSet takes every replica; a saturated
    /// new one leaves the old ones none; otherwise (mid-rollout) every
    /// active ReplicaSet grows or shrinks in proportion to its size, the
    /// rounding leftovers going to the largest.
    fn scale(&mut self, new: Option<&Key>, old: &[Key]) {
        let spec = self.d().spec.clone();
        let active: Vec<Key> = new.into_iter().chain(old).filter(|r| self.rs(r).replicas > 0).cloned().collect();
        let target = match active.as_slice() {
            [only] => Some(only.clone()),
            [] => new.cloned().or_else(|| newest(self.k, old)),
            _ => None,
        };
        if let Some(r) = target {
            if self.rs(&r).replicas != spec.replicas {
                self.scale_rs(&r, spec.replicas, None);
            }
            return;
        }
        if let Some(n) = new
            && self.saturated(n)
        {
            for r in old.iter().filter(|r| self.rs(r).replicas > 0).cloned().collect::<Vec<_>>() {
                self.scale_rs(&r, 0, None);
            }
            return;
        }
        if !rolling(&spec) {
            return;
        }
        let current: u32 = active.iter().map(|r| self.rs(r).replicas).sum();
        let allowed = if spec.replicas > 0 { spec.replicas + max_surge(&spec) } else { 0 };
        let to_add = i64::from(allowed) - i64::from(current);
        let mut order = active.clone();
        // ReplicaSetsBySizeNewer when growing, BySizeOlder when shrinking: largest first.
        let created = |k: &Cluster, r: &Key| k.replica_sets[r].created;
        if to_add > 0 {
            order.stable_sort_by(|a, b| {
                (self.rs(b).replicas, created(self.k, b)).cmp(&(self.rs(a).replicas, created(self.k, a)))
            });
        } else {
            order.stable_sort_by(|a, b| {
                self.rs(b).replicas.cmp(&self.rs(a).replicas).then(created(self.k, a).cmp(&created(self.k, b)))
            });
        }
        let operation = if to_add > 0 { "up" } else { "down" };
        let mut added = 0i64;
        let mut sizes: Vec<(Key, i64)> = Vec::new();
        for r in &order {
            let size = i64::from(self.rs(r).replicas);
            let p = if to_add != 0 { proportion(size, &spec, self.rs(r), current, to_add, added) } else { 0 };
            added += p;
            sizes.push((r.clone(), size + p));
        }
        for (i, (r, mut size)) in sizes.into_iter().enumerate() {
            if i == 0 && to_add != 0 {
                size = (size + to_add - added).max(0);
            }
            self.scale_rs(&r, size as u32, (to_add != 0).then_some(operation));
        }
    }

    /// `IsSaturated`: the new ReplicaSet holds, and has available, every replica.
    fn saturated(&self, r: &Key) -> bool {
        let want = self.d().spec.replicas;
        let rs = self.rs(r);
        rs.replicas == want
            && rs.annotations.get(DESIRED_REPLICAS) == Some(&want.to_string())
            && RsCounts::status(self.k, r).available == want
    }

    /// `rolloutRolling`: scale the new ReplicaSet up if the surge allows,
    /// else the old ones down if availability allows.
    fn rollout_rolling(&mut self, all: &[Key]) {
        let (new, old) = self.new_and_old(all, true);
        let Some(new) = new else { return };
        let everything = all_of(&Some(new.clone()), &old);
        let status: BTreeMap<Key, RsStatus> =
            everything.iter().map(|r| (r.clone(), RsCounts::status(self.k, r))).collect_map();
        if self.reconcile_new(&new, &old) {
            self.sync_status(everything, Some(&new), true);
            return;
        }
        let active_old: Vec<Key> = old.iter().filter(|r| self.rs(r).replicas > 0).cloned().collect();
        if self.reconcile_old(&new, &active_old, &status) {
            self.sync_status(everything, Some(&new), true);
            return;
        }
        if complete(self.d(), &self.d().status.clone()) {
            self.cleanup(&old);
        }
        self.sync_status(everything, Some(&new), true);
    }

    /// `reconcileNewReplicaSet`.
    fn reconcile_new(&mut self, new: &Key, old: &[Key]) -> bool {
        let spec = self.d().spec.clone();
        let have = self.rs(new).replicas;
        if have == spec.replicas {
            return false;
        }
        if have > spec.replicas {
            return self.scale_rs(new, spec.replicas, None);
        }
        let others: u32 = old.iter().map(|r| self.rs(r).replicas).sum();
        let want = new_rs_new_replicas(&spec, others + have, have);
        self.scale_rs(new, want, None)
    }

    /// `reconcileOldReplicaSets`: remove unhealthy old pods first, then old
    /// pods down to `replicas - maxUnavailable` available ones.
    fn reconcile_old(&mut self, new: &Key, old: &[Key], status: &BTreeMap<Key, RsStatus>) -> bool {
        let old_count: u32 = old.iter().map(|r| self.rs(r).replicas).sum();
        if old_count == 0 {
            return false;
        }
        let spec = self.d().spec.clone();
        let all_count = i64::from(old_count + self.rs(new).replicas);
        let min_available = i64::from(spec.replicas) - i64::from(max_unavailable(&spec));
        let new_unavailable = i64::from(self.rs(new).replicas) - i64::from(status[new].available);
        let max_scaled_down = all_count - min_available - new_unavailable;
        if max_scaled_down <= 0 {
            return false;
        }
        // cleanupUnhealthyReplicas, oldest first.
        let mut cleaned = 0i64;
        for r in old {
            if cleaned >= max_scaled_down {
                break;
            }
            let (size, available) = (i64::from(self.rs(r).replicas), i64::from(status[r].available));
            if size == 0 || size == available {
                continue;
            }
            let down = (max_scaled_down - cleaned).min(size - available);
            self.scale_rs(r, (size - down) as u32, None);
            cleaned += down;
        }
        // scaleDownOldReplicaSetsForRollingUpdate, over the active old ReplicaSets and the new one.
        let available: i64 = old.iter().chain([new]).map(|r| i64::from(status[r].available)).sum();
        let mut scaled = 0i64;
        if available > min_available {
            let total = available - min_available;
            for r in old {
                if scaled >= total {
                    break;
                }
                let size = i64::from(self.rs(r).replicas);
                if size == 0 {
                    continue;
                }
                let down = size.min(total - scaled);
                self.scale_rs(r, (size - down) as u32, None);
                scaled += down;
            }
        }
        cleaned + scaled > 0
    }

    /// `rolloutRecreate`: old ReplicaSets to zero, wait until none of their
    /// pods is left (terminating ones included), then the new one to full size.
    fn rollout_recreate(&mut self, all: &[Key]) {
        let (new, old) = self.new_and_old(all, false);
        let active_old: Vec<Key> = old.iter().filter(|r| self.rs(r).replicas > 0).cloned().collect();
        let mut scaled_down = false;
        for r in &active_old {
            scaled_down |= self.scale_rs(r, 0, None);
        }
        if scaled_down {
            self.sync_status(all_of(&new, &old), new.as_ref(), true);
            return;
        }
        let old_pods = self.k.pods.values().any(|p| p.owner.as_ref().is_some_and(|o| old.contains(o)));
        if old_pods {
            self.sync_status(all_of(&new, &old), new.as_ref(), true);
            return;
        }
        let (new, old) = if new.is_none() { self.new_and_old(all, true) } else { (new, old) };
        if let Some(n) = &new {
            let want = self.d().spec.replicas;
            if self.rs(n).replicas != want {
                self.scale_rs(n, want, None);
            }
        }
        if complete(self.d(), &self.d().status.clone()) {
            self.cleanup(&old);
        }
        self.sync_status(all_of(&new, &old), new.as_ref(), true);
    }

    /// `cleanupDeployment`: old ReplicaSets beyond `revisionHistoryLimit`,
    /// lowest revision first, once they have no pods.
    fn cleanup(&mut self, old: &[Key]) {
        let limit = self.d().spec.revision_history_limit() as usize;
        if old.len() <= limit {
            return;
        }
        let mut by_revision: Vec<Key> = old.to_vec();
        by_revision.stable_sort_by_key(|r| (self.rs(r).revision(), self.rs(r).created, self.rs(r).name.clone()));
        for r in by_revision.iter().take(old.len() - limit) {
            if self.rs(r).replicas == 0 && RsCounts::status(self.k, r).replicas == 0 {
                self.k.replica_sets.remove(r);
                self.changed = true;
            }
        }
    }

    /// `syncRolloutStatus` (or `syncDeploymentStatus` on a scaling event):
    /// counts, the Available condition and, during a rollout, Progressing.
    fn sync_status(&mut self, all: Vec<Key>, new: Option<&Key>, rollout: bool) {
        let now = self.now;
        // (cleanup may just have deleted some of them)
        let all: Vec<Key> = all.into_iter().filter(|r| self.k.replica_sets.contains_key(r)).collect();
        let spec = self.d().spec.clone();
        let mut status = DeploymentStatus { conditions: self.d().status.conditions.clone(), ..Default::default() };
        let mut spec_total = 0;
        for r in &all {
            let s = RsCounts::status(self.k, r);
            status.replicas += s.replicas;
            status.ready_replicas += s.ready;
            status.available_replicas += s.available;
            spec_total += self.rs(r).replicas;
        }
        status.updated_replicas = new.map(|n| RsCounts::status(self.k, n).replicas).unwrap_or(0);
        status.unavailable_replicas = spec_total.saturating_sub(status.available_replicas);
        let min_available = spec.replicas - max_unavailable(&spec);
        let available = if status.available_replicas >= min_available {
            ("True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
        } else {
            ("False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")
        };
        set_condition(&mut status, "Available", available.0, available.1, available.2.into(), now);
        if rollout {
            let previous = self.d().status.clone();
            let current = condition(&previous, "Progressing").cloned();
            let finished = status.replicas == status.updated_replicas
                && current.as_ref().is_some_and(|c| c.reason == "NewReplicaSetAvailable");
            let name = new.map(|n| self.rs(n).name.clone());
            let subject = |dname: &str| match &name {
                Some(n) => format!("ReplicaSet \"{n}\""),
                None => format!("Deployment \"{dname}\""),
            };
            let dname = self.d().meta.name.clone();
            if !finished {
                if complete(self.d(), &status) {
                    let msg = format!("{} has successfully progressed.", subject(&dname));
                    set_condition(&mut status, "Progressing", "True", "NewReplicaSetAvailable", msg, now);
                } else if progressing(&previous, &status) {
                    let msg = format!("{} is progressing.", subject(&dname));
                    let since = current.as_ref().filter(|c| c.status == "True").map(|c| c.last_transition);
                    status.conditions.retain(|c| c.kind != "Progressing");
                    status.conditions.push(Condition {
                        kind: "Progressing".into(),
                        status: "True".into(),
                        reason: "ReplicaSetUpdated".into(),
                        message: msg,
                        last_update: now,
                        last_transition: since.unwrap_or(now),
                    });
                } else if let Some(c) = condition(&status, "Progressing")
                    && !matches!(c.reason.as_str(), "ProgressDeadlineExceeded" | "NewReplicaSetAvailable")
                {
                    // DeploymentTimedOut, and requeueStuckDeployment to look
                    // again when the deadline passes.
                    let deadline = c.last_update + PROGRESS_DEADLINE;
                    if now >= deadline {
                        let msg = format!("{} has timed out progressing.", subject(&dname));
                        set_condition(&mut status, "Progressing", "False", "ProgressDeadlineExceeded", msg, now);
                    } else {
                        self.wake = Some(deadline);
                    }
                }
            }
        }
        let d = self.k.deployments.get_mut(self.dkey).expect("synced");
        if d.status != status {
            d.status = status;
            self.changed = true;
        }
    }

    /// Sets the Progressing condition as `getNewReplicaSet` does on creation.
    fn set_progressing(&mut self, status: &str, reason: &str, message: String) {
        let now = self.now;
        let d = self.k.deployments.get_mut(self.dkey).expect("synced");
        set_condition(&mut d.status, "Progressing", status, reason, message, now);
    }
}

/// The new ReplicaSet (if any) and the old ones together.
fn all_of(new: &Option<Key>, old: &[Key]) -> Vec<Key> {
    old.iter().cloned().chain(new.clone()).collect()
}

/// The newest of some ReplicaSets (`FindActiveOrLatest` with none active).
fn newest(k: &Cluster, rs: &[Key]) -> Option<Key> {
    rs.iter()
        .max_by(|a, b| {
            (k.replica_sets[*a].created, &k.replica_sets[*a].name)
                .cmp(&(k.replica_sets[*b].created, &k.replica_sets[*b].name))
        })
        .cloned()
}

/// The Deployment annotations its new ReplicaSet carries: all but the
/// controller's own, kubectl's last-applied copy, and vipsim's scenario
/// handles (`vipsim/...`).
fn copied_annotations(d: &Deployment) -> BTreeMap<String, String> {
    const SKIP: &[&str] = &[
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION_ANNOTATION,
        REVISION_HISTORY,
        DESIRED_REPLICAS,
        MAX_REPLICAS,
        "deprecated.deployment.rollback.to",
    ];
    d.meta
        .annotations
        .iter()
        .filter(|(k, _)| !SKIP.contains(&k.as_str()) && !k.starts_with("vipsim/"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect_map()
}

/// `NewRSNewReplicas`: with RollingUpdate, up to `replicas + maxSurge`
/// pods in all and never past `replicas`; with Recreate, all at once.
/// `total` is the replicas of every ReplicaSet, `have` the new one's.
pub fn new_rs_new_replicas(spec: &DeploymentSpec, total: u32, have: u32) -> u32 {
    if !rolling(spec) {
        return spec.replicas;
    }
    let max_total = spec.replicas + max_surge(spec);
    if total >= max_total {
        return have;
    }
    have + (max_total - total).min(spec.replicas.saturating_sub(have))
}

/// `GetProportion`: a ReplicaSet's share of the replicas being added or
/// removed, from its size and the `max-replicas` it was sized for.
fn proportion(size: i64, spec: &DeploymentSpec, rs: &ReplicaSet, current: u32, to_add: i64, added: i64) -> i64 {
    if size == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let fraction = if spec.replicas == 0 {
        -size
    } else {
        let deployment_replicas = f64::from(spec.replicas + max_surge(spec));
        let annotated =
            rs.annotations.get(MAX_REPLICAS).and_then(|m| m.parse::<f64>().ok()).unwrap_or(f64::from(current));
        // integer.RoundToInt32: math.Round, halves away from zero.
        ((size as f64 * deployment_replicas) / annotated).round() as i64 - size
    };
    let allowed = to_add - added;
    if to_add > 0 { fraction.min(allowed) } else { fraction.max(allowed) }
}

fn condition<'a>(status: &'a DeploymentStatus, kind: &str) -> Option<&'a Condition> {
    status.conditions.iter().find(|c| c.kind == kind)
}

/// `SetDeploymentCondition`: unchanged if status and reason are the same;
/// the transition time kept if only the reason changes; the condition moves
/// to the end of the list.
fn set_condition(status: &mut DeploymentStatus, kind: &str, value: &str, reason: &str, message: String, now: Instant) {
    let current = condition(status, kind).cloned();
    if let Some(c) = &current
        && c.status == value
        && c.reason == reason
    {
        return;
    }
    let since = current.filter(|c| c.status == value).map(|c| c.last_transition).unwrap_or(now);
    status.conditions.retain(|c| c.kind != kind);
    status.conditions.push(Condition {
        kind: kind.into(),
        status: value.into(),
        reason: reason.into(),
        message,
        last_update: now,
        last_transition: since,
    });
}

/// `DeploymentComplete`: every replica updated and available, no old pod left.
pub fn complete(d: &Deployment, s: &DeploymentStatus) -> bool {
    s.updated_replicas == d.spec.replicas && s.replicas == d.spec.replicas && s.available_replicas == d.spec.replicas
}

/// `DeploymentProgressing`: more pods updated, fewer old ones, or more ready or available.
fn progressing(old: &DeploymentStatus, new: &DeploymentStatus) -> bool {
    let old_old = old.replicas.saturating_sub(old.updated_replicas);
    let new_old = new.replicas.saturating_sub(new.updated_replicas);
    new.updated_replicas > old.updated_replicas
        || new_old < old_old
        || new.ready_replicas > old.ready_replicas
        || new.available_replicas > old.available_replicas
}

/// kubectl's `DeploymentStatusViewer` (kubectl/pkg/polymorphichelpers/
/// rollout_status.go): the line `kubectl rollout status` prints for the
/// Deployment as it is now, and whether the rollout is done; an error
/// when the revision is not the one asked for or the progress deadline
/// passed. (vipsim's controller observes every change at once, so the
/// "spec update to be observed" case never shows.)
pub fn rollout_status(d: &Deployment, revision: Option<u64>) -> Result<(String, bool), String> {
    let name = &d.meta.name;
    if let Some(want) = revision {
        let running = d.meta.annotations.get(REVISION_ANNOTATION).and_then(|r| r.parse::<u64>().ok()).unwrap_or(0);
        if want != running {
            return Err(format!("desired revision ({want}) is different from the running revision ({running})"));
        }
    }
    let s = &d.status;
    if condition(s, "Progressing").is_some_and(|c| c.reason == "ProgressDeadlineExceeded") {
        return Err(format!("deployment \"{name}\" exceeded its progress deadline"));
    }
    let want = d.spec.replicas;
    Ok(if s.updated_replicas < want {
        (
            format!(
                "Waiting for deployment \"{name}\" rollout to finish: {} out of {want} new replicas have been updated...\n",
                s.updated_replicas
            ),
            false,
        )
    } else if s.replicas > s.updated_replicas {
        (
            format!(
                "Waiting for deployment \"{name}\" rollout to finish: {} old replicas are pending termination...\n",
                s.replicas - s.updated_replicas
            ),
            false,
        )
    } else if s.available_replicas < s.updated_replicas {
        (
            format!(
                "Waiting for deployment \"{name}\" rollout to finish: {} of {} updated replicas are available...\n",
                s.available_replicas, s.updated_replicas
            ),
            false,
        )
    } else {
        (format!("deployment \"{name}\" successfully rolled out\n"), true)
    })
}

/// One pass of the ReplicaSet controller: pods created for ReplicaSets
/// short of their size, and the pods to delete from those over it (the
/// ReplicaSets of the Deployments [`due`] now).
pub fn manage_replica_sets(k: &mut Cluster, now: Instant, rng: &mut SimRng) -> (usize, Vec<Key>) {
    let mut created = 0;
    let mut doomed = Vec::new();
    let keys: Vec<Key> = k
        .replica_sets
        .iter()
        .filter(|(_, rs)| {
            k.touched.all || k.deployments.get(&key(&rs.namespace, &rs.deployment)).is_some_and(|d| due(k, d, now))
        })
        .map(|(r, _)| r.clone())
        .collect();
    RsCounts::refresh(k);
    for r in keys {
        let have = RsCounts::status(k, &r).replicas;
        if have == k.replica_sets[&r].replicas {
            continue;
        }
        let rs = k.replica_sets[&r].clone();
        if have < rs.replicas {
            for _ in have..rs.replicas {
                let name = format!("{}-{}", rs.name, random_suffix(rng, 5));
                let pod = new_pod(
                    &rs.namespace,
                    name.clone(),
                    rs.template.metadata.labels.clone(),
                    rs.template.metadata.annotations.clone(),
                    rs.template.spec.clone(),
                    Some(r.clone()),
                    now,
                    k.config.eviction_timeout,
                );
                k.event(
                    now,
                    &rs.namespace,
                    &format!("replicaset/{}", rs.name),
                    "Normal",
                    "SuccessfulCreate",
                    format!("Created pod: {name}"),
                );
                let pk = key(&rs.namespace, &name);
                k.pods.insert(pk.clone(), pod);
                k.touch_pod(&pk);
                created += 1;
            }
        } else {
            let pods: Vec<&Pod> = owned_pods(k, &r).filter(|p| active(p)).collect();
            let victims = pods_to_delete(k, &rs, pods, (have - rs.replicas) as usize, now);
            for pk in victims {
                let name = pk.split_once('/').map(|(_, n)| n.to_string()).unwrap_or_default();
                k.event(
                    now,
                    &rs.namespace,
                    &format!("replicaset/{}", rs.name),
                    "Normal",
                    "SuccessfulDelete",
                    format!("Deleted pod: {name}"),
                );
                doomed.push(pk);
            }
        }
    }
    (created, doomed)
}

/// `getPodsToDelete`: the ReplicaSet controller's preference
/// (`ActivePodsWithRanks`, with LogarithmicScaleDown, GA since 1.31):
/// unscheduled before scheduled, pending before running, not ready before
/// ready, pods sharing a node with more of the Deployment's pods first,
/// ready more recently (in powers of two) first, more restarts first,
/// created more recently (in powers of two) first; ties by name, standing
/// in for the pods' random UIDs.
fn pods_to_delete(k: &Cluster, rs: &ReplicaSet, mut pods: Vec<&Pod>, n: usize, now: Instant) -> Vec<Key> {
    let siblings: Vec<Key> = k
        .replica_sets
        .values()
        .filter(|o| o.namespace == rs.namespace && o.deployment == rs.deployment)
        .map(|o| o.key())
        .collect();
    let mut on_node: BTreeMap<&str, usize> = BTreeMap::new();
    for p in k.pods.values().filter(|p| active(p) && p.owner.as_ref().is_some_and(|o| siblings.contains(o))) {
        *on_node.entry(p.node.as_deref().unwrap_or("")).or_default() += 1;
    }
    let log_rank = |t: Instant| -> i64 {
        let d = now.saturating_since(t).as_nanos();
        if d == 0 { -1 } else { 63 - i64::from(d.leading_zeros()) }
    };
    let rank = |p: &Pod| on_node.get(p.node.as_deref().unwrap_or("")).copied().unwrap_or(0);
    let phase = |p: &Pod| if p.phase == PodPhase::Running { 2 } else { 0 };
    pods.stable_sort_by(|a, b| {
        use std::cmp::Ordering::Equal;
        let first = a
            .node
            .is_some()
            .cmp(&b.node.is_some())
            .then(phase(a).cmp(&phase(b)))
            .then(a.ready.cmp(&b.ready))
            .then(rank(b).cmp(&rank(a)));
        if first != Equal {
            return first;
        }
        if let (true, true, Some(ra), Some(rb)) = (a.ready, b.ready, a.ready_since, b.ready_since)
            && ra != rb
        {
            return log_rank(ra).cmp(&log_rank(rb)).then(a.name.cmp(&b.name));
        }
        if a.restarts != b.restarts {
            return b.restarts.cmp(&a.restarts);
        }
        if a.created != b.created {
            return log_rank(a.created).cmp(&log_rank(b.created)).then(a.name.cmp(&b.name));
        }
        a.name.cmp(&b.name)
    });
    pods.into_iter().take(n).map(|p| p.key()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::objects::{IntOrPercent, RollingUpdate};

    fn spec(replicas: u32, surge: Option<IntOrPercent>, unavailable: Option<IntOrPercent>) -> DeploymentSpec {
        let yaml = format!(
            "replicas: {replicas}\nselector: {{matchLabels: {{app: web}}}}\ntemplate:\n  metadata: {{labels: {{app: web}}}}\n  spec: {{containers: [{{name: web, image: nginx}}]}}\n"
        );
        let mut s: DeploymentSpec = serde_norway::from_str(&yaml).unwrap();
        if surge.is_some() || unavailable.is_some() {
            s.strategy = Some(crate::k8s::objects::DeploymentStrategy {
                strategy_type: None,
                rolling_update: Some(RollingUpdate { max_surge: surge, max_unavailable: unavailable }),
            });
        }
        s
    }

    fn pct(s: &str) -> Option<IntOrPercent> {
        Some(IntOrPercent::Percent(s.into()))
    }

    /// The defaults and rounding of `ResolveFenceposts`
    /// (pkg/controller/deployment/util/deployment_util.go, Kubernetes
    /// 1.34): 25% each, surge rounded up and unavailable rounded down, and
    /// 1 unavailable when both come to zero (its own examples: 1 desired
    /// with 1% unavailable and 0% surge, 2 desired with 25%/1%).
    #[test]
    fn fenceposts_round_surge_up_and_unavailable_down() {
        assert_eq!(resolve_fenceposts(&spec(3, None, None)), (1, 0));
        assert_eq!(resolve_fenceposts(&spec(4, None, None)), (1, 1));
        assert_eq!(resolve_fenceposts(&spec(10, None, None)), (3, 2));
        assert_eq!(resolve_fenceposts(&spec(1, pct("0%"), pct("1%"))), (0, 1));
        assert_eq!(resolve_fenceposts(&spec(2, pct("1%"), pct("25%"))), (1, 0));
        assert_eq!(resolve_fenceposts(&spec(5, Some(IntOrPercent::Int(2)), Some(IntOrPercent::Int(0)))), (2, 0));
        // maxUnavailable never exceeds the replicas.
        assert_eq!(max_unavailable(&spec(2, None, Some(IntOrPercent::Int(5)))), 2);
    }

    /// `NewRSNewReplicas`: 10 replicas with maxSurge 3 and 8 pods in the
    /// old ReplicaSet and 3 in the new may add 2 (13 in all), never past 10.
    #[test]
    fn new_replica_set_grows_within_the_surge() {
        let s = spec(10, Some(IntOrPercent::Int(3)), Some(IntOrPercent::Int(2)));
        assert_eq!(new_rs_new_replicas(&s, 11, 3), 5);
        assert_eq!(new_rs_new_replicas(&s, 13, 5), 5);
        assert_eq!(new_rs_new_replicas(&s, 10, 9), 10);
    }

    /// Real pod-template-hashes are the decimal FNV-32a sum through
    /// `SafeEncodeString`: digits 0-9 become `4 5 6 7 8 9 b c d f`.
    #[test]
    fn template_hashes_have_the_real_alphabet() {
        assert_eq!(safe_encode("0123456789"), "456789bcdf");
        let s = spec(3, None, None);
        let h = pod_template_hash(&s.template, None);
        assert!(h.len() >= 9 && h.chars().all(|c| "456789bcdf".contains(c)), "{h}");
        assert_ne!(pod_template_hash(&s.template, Some(1)), h, "the collision count changes the hash");
    }
}
