//! Cilium's LB-IPAM, modelled on the operator's `operator/pkg/lbipam`
//! (`lbipam.go`, `service_store.go`, `sharing_cluster.go`, and the range
//! allocator `pkg/ipalloc`, ported in [`ipalloc`]). The behaviour is that of
//! Cilium 1.16 and later (`allowFirstLastIPs` defaults to allowing the
//! first and last address of a CIDR since cilium/cilium#33151).
//!
//! Where upstream is nondeterministic vipsim picks one documented order:
//! - Pools, and the ranges of each pool, are tried in pool creation order.
//!   Releases with the `rangesStore` slice walk ranges in the order the
//!   operator saw them; the current `poolStore` walks a Go map, unordered.
//! - Services waiting for an address are served in `namespace/name` order
//!   (upstream ranges over Go maps of satisfied/unsatisfied Services).
//! - Of two overlapping pools the later-created one is marked conflicting;
//!   upstream compares creation timestamps (second resolution) and visits
//!   pools in map order.
//!
//! After every Service event (created, changed, deleted) and pool event the
//! operator tries every Service still waiting (`satisfyServices`, called by
//! `svcOnUpsert`, `svcOnDelete`, `poolOnUpsert` and `poolOnDelete`). Each
//! status it patches comes back as a Service event that tries them again,
//! so vipsim repeats the round while one may serve another (see
//! [`CiliumIpam::serve_waiting`]). Every Service is revalidated only when
//! a pool changes or the first one appears, not on every event.
//! Simplified: a Service's own event is acted on when it asks for
//! something else (its view changed), not when only other fields of its
//! object or its status changed; that re-check moves only a Service that
//! joined an address by sharing key from a pool that does not select it.

mod ipalloc;

use super::{IpRequest, is_ipv6_prefix};
use crate::k8s::objects::{CiliumLoadBalancerIpPoolSpec, CiliumPoolBlock, ObjectMeta};
use crate::net::addr::Cidr;
use crate::sort::{Collect, Sort};
use ipalloc::BlockAllocator;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

/// The `loadBalancerClass` LB-IPAM serves when BGP control plane is enabled.
pub const BGP_CONTROL_PLANE_CLASS: &str = "io.cilium/bgp-control-plane";
/// The `loadBalancerClass` LB-IPAM serves when L2 announcements are enabled.
pub const L2_ANNOUNCER_CLASS: &str = "io.cilium/l2-announcer";

/// Current annotation key first, then the `io.cilium/` alias.
const REQUESTED_IPS: [&str; 2] = ["lbipam.cilium.io/ips", "io.cilium/lb-ipam-ips"];
const SHARING_KEY: [&str; 2] = ["lbipam.cilium.io/sharing-key", "io.cilium/lb-ipam-sharing-key"];
const SHARING_CROSS_NAMESPACE: [&str; 2] =
    ["lbipam.cilium.io/sharing-cross-namespace", "io.cilium/lb-ipam-sharing-cross-namespace"];
/// Labels LB-IPAM adds to a Service's own before matching pool selectors
/// (`svcLabels`), so a pool can select Services by namespace or name.
const SERVICE_NAMESPACE_LABEL: &str = "io.kubernetes.service.namespace";
const SERVICE_NAME_LABEL: &str = "io.kubernetes.service.name";

/// The Service's `cilium.io/IPAMRequestSatisfied` condition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpamCondition {
    /// True / False.
    pub status: bool,
    pub reason: String,
    pub message: String,
}

impl IpamCondition {
    fn satisfied() -> IpamCondition {
        IpamCondition { status: true, reason: "satisfied".to_owned(), message: String::new() }
    }
    fn unsatisfied(reason: &str, message: String) -> IpamCondition {
        IpamCondition { status: false, reason: reason.to_owned(), message }
    }
    fn no_pool_selects() -> IpamCondition {
        let message = "There are no enabled CiliumLoadBalancerIPPools that match this service";
        IpamCondition::unsatisfied("no_pool", message.to_owned())
    }
    fn out_of_ips() -> IpamCondition {
        let message = "All enabled CiliumLoadBalancerIPPools that match this service ran out of allocatable IPs";
        IpamCondition::unsatisfied("out_of_ips", message.to_owned())
    }
}

/// What `kubectl get ciliumloadbalancerippool` shows (DISABLED, CONFLICTING,
/// IPS AVAILABLE) and the pool's `cilium.io/IPsTotal`/`IPsUsed` conditions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolStatus {
    pub disabled: bool,
    pub conflicting: bool,
    /// The `cilium.io/PoolConflict` message.
    pub conflict_message: Option<String>,
    pub ips_total: u64,
    /// Includes a CIDR's reserved first and last address (`allowFirstLastIPs: No`).
    pub ips_used: u64,
    pub ips_available: u64,
}

/// The LB-IPAM controller's state: pools with their range allocators, and
/// its view of each LoadBalancer Service.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CiliumIpam {
    /// Loaded pools in creation order.
    pools: Vec<LbPool>,
    /// Pools the operator could not load, with its error.
    rejected: BTreeMap<String, String>,
    /// Per Service (`namespace/name`).
    services: BTreeMap<String, ServiceView>,
    /// Addresses first allocated to a Service with a sharing key, per key, in
    /// allocation order: where a keyed Service looks first (`sharingIndex`).
    sharing_index: BTreeMap<String, Vec<AllocatedIp>>,
    /// `loadBalancerClass` values served besides none at all.
    load_balancer_classes: BTreeSet<String>,
    next_range_id: u64,
    /// Something changed since the Services waiting were last tried that
    /// may serve one: an address freed or left by a holder, one filed
    /// under a sharing key, a holder's view changed, or the pools. (Unsure
    /// after a restore: then they are tried.)
    #[serde(skip, default = "Memo::unsure")]
    waiting_stale: Memo,
    /// Services whose address (see [`CiliumIpam::served`]) changed other
    /// than by their own [`assign`](CiliumIpam::assign), since last taken
    /// with [`CiliumIpam::take_moved`].
    #[serde(skip)]
    moved: Vec<String>,
}

/// Per pool loaded: name, spec, conflict and range ids; and the pools
/// refused with why.
type PoolsShape = (Vec<(String, CiliumLoadBalancerIpPoolSpec, Option<String>, Vec<u64>)>, BTreeMap<String, String>);

/// A fact about how the LB-IPAM state was reached, not what it is: two
/// states compare equal whatever it says.
#[derive(Clone, Copy, Debug, Default)]
struct Memo(bool);

impl Memo {
    fn unsure() -> Memo {
        Memo(true)
    }
}

impl PartialEq for Memo {
    fn eq(&self, _: &Memo) -> bool {
        true
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct LbPool {
    name: String,
    spec: CiliumLoadBalancerIpPoolSpec,
    ranges: Vec<LbRange>,
    /// The `cilium.io/PoolConflict` message while the pool is conflicting.
    conflict: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct LbRange {
    id: u64,
    /// Whether the block was a `cidr` (only those reserve first and last).
    from_cidr: bool,
    alloc: BlockAllocator<Holder>,
}

/// Who holds an allocated address (upstream's `sharingCluster`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Holder {
    /// A CIDR's first or last address under `allowFirstLastIPs: No`.
    Reserved,
    /// The Services sharing it (one, unless they share a key).
    Services(Vec<String>),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct AllocatedIp {
    ip: Ipv4Addr,
    pool: String,
    range: u64,
}

/// LB-IPAM's view of a Service (`ServiceView`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct ServiceView {
    namespace: String,
    labels: BTreeMap<String, String>,
    requested: Vec<IpAddr>,
    sharing_key: String,
    sharing_cross_namespace: Vec<String>,
    ports: Vec<u16>,
    /// `externalTrafficPolicy: Local`, and the selector: sharing needs
    /// equal policies, and under Local equal (non-empty) selectors.
    #[serde(default)]
    external_local: bool,
    #[serde(default)]
    selector: BTreeMap<String, String>,
    allocated: Vec<AllocatedIp>,
    /// The addresses its status lists, as LB-IPAM keeps them: each one
    /// allocated is added, and one no longer allocated is dropped unless
    /// it can be allocated again (`stripOrImportIngresses`).
    #[serde(default)]
    ingress: Vec<Ipv4Addr>,
    condition: Option<IpamCondition>,
}

/// A parsed pool block: a fresh allocator over its addresses.
struct ParsedBlock {
    alloc: BlockAllocator<Holder>,
    from_cidr: bool,
}

/// Where a requested address would come from (`findRangeOfIP`).
enum RangeLookup {
    Found {
        pool: String,
        range: u64,
    },
    /// Inside an enabled pool, but none of those selects the Service.
    NotSelected,
    NoPool,
}

/// Why generic allocation found nothing (`allocateIPAddress`).
enum Exhaustion {
    NoPool,
    Full,
}

impl CiliumIpam {
    /// Which `loadBalancerClass` values LB-IPAM serves besides none: the
    /// operator adds [`BGP_CONTROL_PLANE_CLASS`] when BGP control plane is
    /// enabled and [`L2_ANNOUNCER_CLASS`] when L2 announcements are
    /// (`newLBIPAMCell`). By default neither.
    pub fn set_enabled_announcers(&mut self, bgp_control_plane: bool, l2_announcements: bool) {
        self.load_balancer_classes =
            [(bgp_control_plane, BGP_CONTROL_PLANE_CLASS), (l2_announcements, L2_ANNOUNCER_CLASS)]
                .into_iter()
                .filter(|(enabled, _)| *enabled)
                .map(|(_, class)| class.to_owned())
                .collect_set();
    }

    /// Replaces the pool set (pools in creation order). Marks overlapping
    /// pools conflicting (the newer one, as Cilium does).
    ///
    /// Pools are diffed like the operator's pool events: an unchanged spec
    /// keeps its allocations and is no event; a changed one keeps the
    /// ranges it still lists and every Service is revalidated
    /// (`handlePoolModified`, `revalidateAllServices`), as when the first
    /// pool wakes the operator; a removed pool takes its addresses away and
    /// the Services that held one are reconciled
    /// (`reconcileServicesAfterRangeDeletion`); a new pool only serves the
    /// waiting. Then the waiting are served (`satisfyServices`), even when
    /// no pool is left, before the operator goes dormant. A pool whose blocks do not parse is not
    /// loaded (see [`pool_error`](Self::pool_error)); if it was loaded
    /// before, it keeps its previous spec. IPv6 blocks are ignored: vipsim
    /// Services are IPv4-only, so upstream would never allocate from them.
    pub fn set_pools(&mut self, pools: &[(ObjectMeta, CiliumLoadBalancerIpPoolSpec)]) {
        let before = self.pools_shape();
        let was_dormant = self.pools.is_empty();
        let mut modified = false;
        // The Services that lost an address with a range, and whether each
        // was satisfied: modified pools' and deleted pools' apart.
        let (mut unfiled, mut deleted) = (Vec::new(), Vec::new());
        let mut previous = std::mem::take(&mut self.pools);
        self.rejected.clear();
        for (meta, spec) in pools {
            // Names are unique in a cluster; like handleNewPool, ignore a repeat.
            if self.pools.iter().any(|pool| pool.name == meta.name) {
                continue;
            }
            let existing = previous.iter().position(|pool| pool.name == meta.name).map(|index| previous.remove(index));
            let (loaded, outcome) = match existing {
                Some(mut pool) => {
                    let changed = pool.spec != *spec;
                    let outcome = self.update_pool(&mut pool, spec).map(|lost| unfiled.extend(lost));
                    modified |= changed && outcome.is_ok();
                    (Some(pool), outcome)
                }
                None => match self.new_pool(&meta.name, spec) {
                    Ok(pool) => (Some(pool), Ok(())),
                    Err(error) => (None, Err(error)),
                },
            };
            self.pools.extend(loaded);
            if let Err(error) = outcome {
                self.rejected.insert(meta.name.clone(), error);
            }
        }
        for removed in previous {
            deleted.extend(self.forget_ranges(&removed.ranges));
        }
        self.settle_conflicts();
        // The same pools again: no pool event, nothing to do.
        // With no pool at all the operator goes dormant and touches no
        // Service; it only reconciles once more when the last pool goes.
        if self.pools_shape() == before || (was_dormant && self.pools.is_empty()) {
            return;
        }
        // A deleted pool's Services are reconciled at its event
        // (`reconcileServicesAfterRangeDeletion`), unsatisfied ones first.
        deleted.stable_sort_by_key(|(_, satisfied)| *satisfied);
        for (service, _) in &deleted {
            self.noting_move(service, Self::import_or_serve);
        }
        // A pool changed (`handlePoolModified`), or the operator woke with
        // its first pool (`initialize`): every Service is revalidated.
        if modified || was_dormant {
            let filed: Vec<String> =
                unfiled.into_iter().filter(|(_, satisfied)| *satisfied).map(|(service, _)| service).collect();
            self.revalidate_all(&filed);
        }
        // Then `satisfyAndUpdateCounts`, which runs before a controller
        // left without pools goes dormant.
        self.waiting_stale = Memo(true);
        self.serve_rounds();
    }

    /// What setting the pools may change besides the Services: the pools
    /// loaded (their specs, conflicts and ranges) and the ones refused.
    fn pools_shape(&self) -> PoolsShape {
        let pools = self.pools.iter();
        let shape = pools
            .map(|p| (p.name.clone(), p.spec.clone(), p.conflict.clone(), p.ranges.iter().map(|r| r.id).collect()));
        (shape.collect(), self.rejected.clone())
    }

    /// Assigns (or keeps) an address; the Err carries the False condition.
    /// `None` means LB-IPAM does not act on the Service: its
    /// `loadBalancerClass` is not one LB-IPAM serves (any address it held is
    /// released and its condition removed, as `handleUpsertService` does),
    /// or no pool exists, when the operator is dormant and sets no condition
    /// (the Service stays `<pending>`; it is served once a pool appears).
    ///
    /// A Service LB-IPAM already holds, asking for nothing new, is left as
    /// it is: the operator acts on a Service when its object changes
    /// (`handleUpsertService`), and what it holds and waits for moves with
    /// the other Services' events and the pools'.
    pub fn assign(&mut self, req: &IpRequest) -> Option<Result<(Ipv4Addr, String), IpamCondition>> {
        if !self.serves(req.load_balancer_class) {
            self.release(req.service);
            return None;
        }
        let changed = self.upsert_view(req);
        if self.pools.is_empty() {
            return None;
        }
        if changed {
            self.reconcile(req.service);
        }
        let outcome = self.outcome(req.service);
        self.serve_waiting();
        outcome
    }

    /// Forgets the Service, freeing addresses no other Service shares;
    /// the Services waiting then try again (`svcOnDelete`).
    pub fn release(&mut self, service: &str) {
        if let Some(view) = self.services.remove(service) {
            for allocated in &view.allocated {
                self.leave(service, allocated);
            }
            self.serve_waiting();
        }
    }

    /// The Services whose address changed (got one, lost it, or another)
    /// other than by their own [`assign`](Self::assign): by another
    /// Service's change or the pools'. In the order they changed, each
    /// once; [`outcome`](Self::outcome) says what they have now.
    pub fn take_moved(&mut self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let mut moved = std::mem::take(&mut self.moved);
        moved.retain(|service| seen.insert(service.clone()));
        moved
    }

    /// The last condition set for the Service (True with reason
    /// "satisfied" after success).
    pub fn condition(&self, service: &str) -> Option<&IpamCondition> {
        self.services.get(service)?.condition.as_ref()
    }

    pub fn pool_status(&self, pool: &str) -> Option<PoolStatus> {
        let pool = self.pool(pool)?;
        let (used, available) = pool
            .ranges
            .iter()
            .map(|range| range.alloc.stats())
            .fold((0, 0), |(used, available), (u, a)| (used + u, available + a));
        Some(PoolStatus {
            disabled: pool.spec.disabled,
            conflicting: pool.conflict.is_some(),
            conflict_message: pool.conflict.clone(),
            ips_total: used + available,
            ips_used: used,
            ips_available: available,
        })
    }

    pub fn pool_names(&self) -> Vec<String> {
        self.pools.iter().map(|pool| pool.name.clone()).collect()
    }

    /// Why the operator could not load a pool (its blocks do not parse).
    /// The pool then gets no status; the texts follow `handleNewPool`.
    pub fn pool_error(&self, pool: &str) -> Option<&str> {
        self.rejected.get(pool).map(String::as_str)
    }

    /// The Service's first `status.loadBalancer.ingress` address and its
    /// pool. A Service that requested several addresses may hold some while
    /// its condition is still False.
    pub fn assignment(&self, service: &str) -> Option<(Ipv4Addr, &str)> {
        let first = self.services.get(service)?.allocated.first()?;
        Some((first.ip, first.pool.as_str()))
    }

    fn serves(&self, class: Option<&str>) -> bool {
        class.is_none_or(|class| self.load_balancer_classes.contains(class))
    }

    fn pool(&self, name: &str) -> Option<&LbPool> {
        self.pools.iter().find(|pool| pool.name == name)
    }

    fn range_mut(&mut self, id: u64) -> Option<&mut LbRange> {
        self.pools.iter_mut().flat_map(|pool| pool.ranges.iter_mut()).find(|range| range.id == id)
    }

    fn holder(&self, allocated: &AllocatedIp) -> Option<&Holder> {
        let range = self.pools.iter().flat_map(|pool| &pool.ranges).find(|range| range.id == allocated.range)?;
        range.alloc.get(allocated.ip)
    }

    // ------------------------------------------------------------------
    // Pools
    // ------------------------------------------------------------------

    /// `handleNewPool`.
    fn new_pool(&mut self, name: &str, spec: &CiliumLoadBalancerIpPoolSpec) -> Result<LbPool, String> {
        let blocks = parse_blocks(spec)?;
        let ranges = blocks.into_iter().map(|block| self.new_range(block, reserves_first_last(spec))).collect();
        Ok(LbPool { name: name.to_owned(), spec: spec.clone(), ranges, conflict: None })
    }

    /// `handlePoolModified`: ranges still listed keep their allocations
    /// (reserving or releasing first/last if `allowFirstLastIPs` flipped),
    /// the others are dropped with their allocations, new ones are appended.
    /// On a parse error the pool is left unchanged.
    /// `handlePoolModified` up to the revalidation; the Services that lost
    /// an address (see [`forget_ranges`](Self::forget_ranges)).
    fn update_pool(
        &mut self,
        pool: &mut LbPool,
        spec: &CiliumLoadBalancerIpPoolSpec,
    ) -> Result<Vec<(String, bool)>, String> {
        if pool.spec == *spec {
            return Ok(Vec::new());
        }
        let blocks = parse_blocks(spec)?;
        let reserve = reserves_first_last(spec);
        let flipped = reserve != reserves_first_last(&pool.spec);
        let (kept, dropped): (Vec<LbRange>, Vec<LbRange>) = std::mem::take(&mut pool.ranges)
            .into_iter()
            .partition(|range| blocks.iter().any(|block| range.covers(block)));
        let lost = self.forget_ranges(&dropped);
        pool.ranges = kept;
        for range in &mut pool.ranges {
            if flipped && range.from_cidr {
                range.reserve_first_last(reserve);
            }
        }
        for block in blocks {
            if !pool.ranges.iter().any(|range| range.covers(&block)) {
                let range = self.new_range(block, reserve);
                pool.ranges.push(range);
            }
        }
        pool.spec = spec.clone();
        Ok(lost)
    }

    fn new_range(&mut self, block: ParsedBlock, reserve_first_last: bool) -> LbRange {
        let id = self.next_range_id;
        self.next_range_id += 1;
        let mut range = LbRange { id, from_cidr: block.from_cidr, alloc: block.alloc };
        if range.from_cidr && reserve_first_last {
            range.reserve_first_last(true);
        }
        range
    }

    /// `deleteRangeAllocations`: Services lose the addresses of ranges that
    /// no longer exist; those addresses also leave the sharing index. The
    /// Services that lost one, in key order, each with whether it was
    /// satisfied (it stays filed so); the ones served by them are noted as
    /// moved.
    fn forget_ranges(&mut self, ranges: &[LbRange]) -> Vec<(String, bool)> {
        let gone = |allocated: &AllocatedIp| ranges.iter().any(|range| range.id == allocated.range);
        let mut lost = Vec::new();
        for (service, view) in &mut self.services {
            let (served, satisfied, held) = (view.served(), view.is_satisfied(), view.allocated.len());
            view.allocated.retain(|allocated| !gone(allocated));
            if view.allocated.len() < held {
                lost.push((service.clone(), satisfied));
            }
            if served.is_some() && view.served() != served {
                self.moved.push(service.clone());
            }
        }
        self.unindex(gone);
        lost
    }

    /// `settleConflicts`: a pool whose ranges overlap each other, or overlap
    /// an older non-conflicting pool, is marked conflicting and allocates
    /// nothing new; a marked pool that no longer overlaps anything is
    /// released ("resolved"). Existing allocations stay either way.
    fn settle_conflicts(&mut self) {
        for outer in 0..self.pools.len() {
            if self.pools[outer].conflict.is_some() {
                continue;
            }
            if let Some((a, b)) = internal_overlap(&self.pools[outer].ranges) {
                let message = conflict_message(a, b, &self.pools[outer].name);
                self.pools[outer].conflict = Some(message);
                continue;
            }
            for inner in 0..self.pools.len() {
                if inner == outer || self.pools[inner].conflict.is_some() {
                    continue;
                }
                let Some((outer_range, inner_range)) = overlap(&self.pools[outer].ranges, &self.pools[inner].ranges)
                else {
                    continue;
                };
                let (newer, message) = if outer < inner {
                    (inner, conflict_message(inner_range, outer_range, &self.pools[outer].name))
                } else {
                    (outer, conflict_message(outer_range, inner_range, &self.pools[inner].name))
                };
                self.pools[newer].conflict = Some(message);
                break;
            }
        }
        let resolved: Vec<usize> = (0..self.pools.len())
            .filter(|&index| self.pools[index].conflict.is_some() && !self.overlaps_anything(index))
            .collect();
        for index in resolved {
            self.pools[index].conflict = None;
        }
    }

    fn overlaps_anything(&self, index: usize) -> bool {
        let ranges = &self.pools[index].ranges;
        internal_overlap(ranges).is_some()
            || self
                .pools
                .iter()
                .enumerate()
                .any(|(other, pool)| other != index && overlap(ranges, &pool.ranges).is_some())
    }

    // ------------------------------------------------------------------
    // Services
    // ------------------------------------------------------------------

    /// `serviceViewFromService`: refreshes what the Service asks for, keeping
    /// what it holds. Whether it is new or asks for anything else; one
    /// that holds addresses and changed may now share them otherwise.
    fn upsert_view(&mut self, req: &IpRequest) -> bool {
        let mut labels = req.labels.clone();
        labels.insert(SERVICE_NAME_LABEL.to_owned(), req.name().to_owned());
        labels.insert(SERVICE_NAMESPACE_LABEL.to_owned(), req.namespace.to_owned());
        let asked = ServiceView {
            namespace: req.namespace.to_owned(),
            labels,
            requested: requested_ips(req),
            sharing_key: req.annotation(&SHARING_KEY).unwrap_or_default().to_owned(),
            sharing_cross_namespace: req
                .annotation(&SHARING_CROSS_NAMESPACE)
                .filter(|list| !list.is_empty())
                .map(|list| list.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
            // Sharing compares port numbers only: the Cilium datapath
            // cannot tell protocols apart (service_store.go,
            // cilium/cilium#9207).
            ports: req.ports.iter().map(|(_, port)| *port).collect(),
            external_local: req.external_local,
            selector: req.selector.clone(),
            ..ServiceView::default()
        };
        let view = match self.services.entry(req.service.to_owned()) {
            std::collections::btree_map::Entry::Vacant(entry) => {
                entry.insert(asked);
                return true;
            }
            std::collections::btree_map::Entry::Occupied(entry) => entry.into_mut(),
        };
        // (What it holds is set aside, so the whole view compares with
        // what it asks for now.)
        let held = (std::mem::take(&mut view.allocated), std::mem::take(&mut view.ingress), view.condition.take());
        let changed = *view != asked;
        if changed {
            *view = asked;
        }
        (view.allocated, view.ingress, view.condition) = held;
        if changed && !view.allocated.is_empty() {
            self.waiting_stale = Memo(true);
        }
        changed
    }

    /// `revalidateAllServices`: each Service drops what it may no longer
    /// hold, keeps an address its status lists that it may hold again,
    /// and, if that leaves it waiting, is served at once. The ones filed
    /// satisfied go first (`unfiled`: those that were, until a range
    /// they held an address in went with a pool's change, which does not
    /// file them again), then the ones waiting (those left waiting by the
    /// first loop among them, so they try again after the others).
    fn revalidate_all(&mut self, unfiled: &[String]) {
        let satisfied: Vec<String> = self
            .services
            .keys()
            .filter(|service| self.is_satisfied(service) || unfiled.contains(service))
            .cloned()
            .collect();
        for service in &satisfied {
            self.revalidate(service);
        }
        let waiting: Vec<String> =
            self.services.keys().filter(|service| !self.is_satisfied(service)).cloned().collect();
        for service in &waiting {
            self.revalidate(service);
        }
    }

    /// One Service of `revalidateAllServices`.
    fn revalidate(&mut self, service: &str) {
        if self.services.contains_key(service) {
            self.noting_move(service, Self::reconcile);
        }
    }

    /// What the operator does for one Service at its own event
    /// (`handleUpsertService`) and in `revalidateAllServices`: it drops
    /// what it may no longer hold, then [`import_or_serve`](Self::import_or_serve).
    fn reconcile(&mut self, service: &str) {
        self.strip_invalid_allocations(service);
        self.import_or_serve(service);
    }

    /// Keeps what its status lists that it may take again, then serves it
    /// if that leaves it waiting (`reconcileServicesAfterRangeDeletion`).
    fn import_or_serve(&mut self, service: &str) {
        self.strip_or_import(service);
        if !self.is_satisfied(service) {
            self.satisfy(service);
        }
    }

    /// `satisfyServices`, round after round: every Service waiting tries
    /// again, in key order, until a round changes nothing that may serve
    /// one. Upstream one round follows each Service and pool event, and
    /// each status it patches is an event that brings the next; a round
    /// after which nothing was freed, filed under a sharing key or left
    /// by a holder, and no holder's view changed, gives each waiting
    /// Service the same failure again, so none is run (see
    /// `waiting_stale`). A dormant operator (no pool) serves nobody.
    fn serve_waiting(&mut self) {
        if !self.pools.is_empty() {
            self.serve_rounds();
        }
    }

    /// The rounds of [`serve_waiting`](Self::serve_waiting), dormant or not.
    fn serve_rounds(&mut self) {
        while std::mem::take(&mut self.waiting_stale.0) {
            let waiting: Vec<String> =
                self.services.iter().filter(|(_, view)| !view.is_satisfied()).map(|(key, _)| key.clone()).collect();
            for service in &waiting {
                self.noting_move(service, Self::satisfy);
            }
        }
    }

    /// The address a Service's status shows: its first, once satisfied.
    fn served(&self, service: &str) -> Option<Ipv4Addr> {
        self.services.get(service)?.served()
    }

    /// Runs `step` on the Service and notes it as moved when that changed
    /// the address its status shows.
    fn noting_move(&mut self, service: &str, step: fn(&mut Self, &str)) {
        let before = self.served(service);
        step(self, service);
        if self.served(service) != before {
            self.moved.push(service.to_owned());
        }
    }

    /// `stripInvalidAllocations`: an address goes when its pool no longer
    /// selects the Service, when the Services sharing it are no longer
    /// compatible, or when the Service now requests other addresses. A
    /// disabled or conflicting pool does not take addresses away.
    fn strip_invalid_allocations(&mut self, service: &str) {
        let Some(view) = self.services.get(service) else {
            return;
        };
        let invalid: Vec<AllocatedIp> =
            view.allocated.iter().filter(|allocated| !self.still_valid(service, view, allocated)).cloned().collect();
        for allocated in invalid {
            self.leave(service, &allocated);
            if let Some(view) = self.services.get_mut(service) {
                view.allocated.retain(|held| *held != allocated);
            }
        }
    }

    fn still_valid(&self, service: &str, view: &ServiceView, allocated: &AllocatedIp) -> bool {
        let selected = self.pool(&allocated.pool).is_some_and(|pool| selects(pool, view));
        let compatible = self.cluster_accepts(allocated, service, view).is_ok();
        let requested = view.requested.is_empty() || view.requested.contains(&IpAddr::V4(allocated.ip));
        selected && compatible && requested
    }

    /// `sharingCluster.IsCompatible`: every other holder must accept `view`.
    fn cluster_accepts(&self, allocated: &AllocatedIp, service: &str, view: &ServiceView) -> Result<(), &'static str> {
        let Some(Holder::Services(holders)) = self.holder(allocated) else {
            return Ok(());
        };
        holders
            .iter()
            .filter(|holder| holder.as_str() != service)
            .filter_map(|holder| self.services.get(holder))
            .try_for_each(|other| other.compatible_with(view))
    }

    /// Removes `service` from the holders of an address, freeing it when
    /// nobody is left. A freed address leaves the sharing index under every
    /// key (upstream removes it under the leaving Service's current key
    /// only, which can leave a stale entry after a key change).
    fn leave(&mut self, service: &str, allocated: &AllocatedIp) {
        self.waiting_stale = Memo(true);
        let Some(range) = self.range_mut(allocated.range) else {
            return;
        };
        let emptied = match range.alloc.get_mut(allocated.ip) {
            Some(Holder::Services(holders)) => {
                holders.retain(|holder| holder != service);
                holders.is_empty()
            }
            _ => false,
        };
        if emptied {
            range.alloc.free(allocated.ip);
            self.unindex(|entry| entry == allocated);
        }
    }

    fn unindex(&mut self, gone: impl Fn(&AllocatedIp) -> bool) {
        for entries in self.sharing_index.values_mut() {
            entries.retain(|entry| !gone(entry));
        }
        self.sharing_index.retain(|_, entries| !entries.is_empty());
    }

    fn is_satisfied(&self, service: &str) -> bool {
        self.services.get(service).is_some_and(ServiceView::is_satisfied)
    }

    /// `satisfyService`.
    fn satisfy(&mut self, service: &str) {
        let Some(view) = self.services.get(service) else {
            return;
        };
        if view.requested.is_empty() {
            self.satisfy_generic(service);
        } else {
            for ip in view.requested.clone() {
                self.satisfy_requested(service, ip);
            }
        }
        if self.is_satisfied(service) {
            self.set_condition(service, IpamCondition::satisfied());
        }
        // Every address allocated is listed in its status (`satisfyService`).
        if let Some(view) = self.services.get_mut(service) {
            for allocated in &view.allocated {
                if !view.ingress.contains(&allocated.ip) {
                    view.ingress.push(allocated.ip);
                }
            }
        }
    }

    /// `stripOrImportIngresses`: of the addresses the Service's status
    /// lists, one it no longer holds is kept only if it may take it again
    /// (requested, if it requests any; in a range of an enabled pool that
    /// selects it; and free), and is then allocated to it again. That
    /// keeps a Service's address when a pool's change replaced the range
    /// it came from by one that still holds it.
    fn strip_or_import(&mut self, service: &str) {
        let Some(view) = self.services.get(service) else {
            return;
        };
        let mut listed = Vec::with_capacity(view.ingress.len());
        for ip in view.ingress.clone() {
            let view = &self.services[service];
            let held = view.allocated.iter().any(|allocated| allocated.ip == ip);
            if !held {
                let requested = view.requested.is_empty() || view.requested.contains(&IpAddr::V4(ip));
                let RangeLookup::Found { pool, range } = self.find_range_of(view, ip) else {
                    continue;
                };
                let key = view.sharing_key.clone();
                let holder = Holder::Services(vec![service.to_owned()]);
                if !requested || !self.range_mut(range).is_some_and(|r| r.alloc.alloc(ip, holder)) {
                    continue;
                }
                let allocated = AllocatedIp { ip, pool, range };
                self.index_shared(&key, &allocated);
                self.hold(service, allocated);
            }
            // (`slices.CompactFunc`: a repeat next to itself goes.)
            if listed.last() != Some(&ip) {
                listed.push(ip);
            }
        }
        if let Some(view) = self.services.get_mut(service) {
            view.ingress = listed;
        }
    }

    /// `satisfySpecificIPRequests`, for one requested address.
    fn satisfy_requested(&mut self, service: &str, ip: IpAddr) {
        let Some(view) = self.services.get(service).cloned() else {
            return;
        };
        if view.allocated.iter().any(|allocated| IpAddr::V4(allocated.ip) == ip) {
            return;
        }
        let lookup = match ip {
            IpAddr::V4(v4) => self.find_range_of(&view, v4),
            IpAddr::V6(_) => RangeLookup::NoPool,
        };
        let failure = match (ip, lookup) {
            (IpAddr::V4(ip), RangeLookup::Found { pool, range }) => {
                let allocated = AllocatedIp { ip, pool, range };
                match self.take_requested(service, &view, &allocated) {
                    Ok(()) => {
                        self.hold(service, allocated);
                        return;
                    }
                    Err(condition) => condition,
                }
            }
            (_, RangeLookup::NotSelected) => IpamCondition::unsatisfied(
                "pool_selector_mismatch",
                format!("The pool with the CIDR containing '{ip}', doesn't select this service"),
            ),
            _ => IpamCondition::unsatisfied("no_pool", format!("No pool exists with a CIDR containing '{ip}'")),
        };
        self.set_condition(service, failure);
    }

    /// Allocates a requested address, or joins the Services already on it.
    fn take_requested(
        &mut self,
        service: &str,
        view: &ServiceView,
        allocated: &AllocatedIp,
    ) -> Result<(), IpamCondition> {
        let ip = allocated.ip;
        let taken = || {
            IpamCondition::unsatisfied(
                "already_allocated",
                format!("The IP '{ip}' is already allocated to another service"),
            )
        };
        match self.holder(allocated) {
            // A reserved first/last address is denied whatever the key
            // (the fix for cilium/cilium#48779).
            Some(Holder::Reserved) => Err(taken()),
            Some(Holder::Services(_)) if view.sharing_key.is_empty() => Err(taken()),
            Some(Holder::Services(_)) => {
                self.cluster_accepts(allocated, service, view).map_err(|reason| {
                    IpamCondition::unsatisfied(
                        "already_allocated_incompatible_service",
                        format!("The IP '{ip}' is already allocated to an incompatible service. Reason: {reason}"),
                    )
                })?;
                self.join(service, allocated);
                Ok(())
            }
            None => {
                if let Some(range) = self.range_mut(allocated.range) {
                    range.alloc.alloc(ip, Holder::Services(vec![service.to_owned()]));
                }
                self.index_shared(&view.sharing_key, allocated);
                Ok(())
            }
        }
    }

    /// `satisfyGenericRequest` for IPv4: a keyed Service first looks for a
    /// compatible address already allocated under its key (in allocation
    /// order), otherwise it gets a new one from the first pool that selects
    /// it and has room.
    fn satisfy_generic(&mut self, service: &str) {
        let Some(view) = self.services.get(service).cloned() else {
            return;
        };
        let shared = self
            .sharing_index
            .get(&view.sharing_key)
            .into_iter()
            .flatten()
            .find(|allocated| self.cluster_accepts(allocated, service, &view).is_ok())
            .cloned();
        if let Some(allocated) = shared {
            self.join(service, &allocated);
            self.hold(service, allocated);
            return;
        }
        match self.allocate_any(service, &view) {
            Ok(allocated) => {
                self.index_shared(&view.sharing_key, &allocated);
                self.hold(service, allocated);
            }
            Err(Exhaustion::NoPool) => self.set_condition(service, IpamCondition::no_pool_selects()),
            Err(Exhaustion::Full) => self.set_condition(service, IpamCondition::out_of_ips()),
        }
    }

    /// `allocateIPAddress`: the first enabled range, of a pool selecting the
    /// Service, that still has a free address.
    fn allocate_any(&mut self, service: &str, view: &ServiceView) -> Result<AllocatedIp, Exhaustion> {
        let mut full = false;
        for pool in self.pools.iter_mut().filter(|pool| enabled(pool) && selects(pool, view)) {
            for range in &mut pool.ranges {
                match range.alloc.alloc_any(Holder::Services(vec![service.to_owned()])) {
                    Some(ip) => {
                        return Ok(AllocatedIp { ip, pool: pool.name.clone(), range: range.id });
                    }
                    None => full = true,
                }
            }
        }
        Err(if full { Exhaustion::Full } else { Exhaustion::NoPool })
    }

    /// `findRangeOfIP`: the enabled range holding `ip` whose pool selects the
    /// Service. Disabled and conflicting pools are skipped entirely, so an
    /// address in one reads as "no pool".
    fn find_range_of(&self, view: &ServiceView, ip: Ipv4Addr) -> RangeLookup {
        let mut in_a_pool = false;
        for pool in self.pools.iter().filter(|pool| enabled(pool)) {
            for range in pool.ranges.iter().filter(|range| range.alloc.contains(ip)) {
                in_a_pool = true;
                if selects(pool, view) {
                    return RangeLookup::Found { pool: pool.name.clone(), range: range.id };
                }
            }
        }
        if in_a_pool { RangeLookup::NotSelected } else { RangeLookup::NoPool }
    }

    fn join(&mut self, service: &str, allocated: &AllocatedIp) {
        if let Some(Holder::Services(holders)) =
            self.range_mut(allocated.range).and_then(|range| range.alloc.get_mut(allocated.ip))
        {
            holders.push(service.to_owned());
        }
    }

    fn hold(&mut self, service: &str, allocated: AllocatedIp) {
        if let Some(view) = self.services.get_mut(service) {
            view.allocated.push(allocated);
        }
    }

    fn index_shared(&mut self, sharing_key: &str, allocated: &AllocatedIp) {
        if !sharing_key.is_empty() {
            self.waiting_stale = Memo(true);
            self.sharing_index.entry(sharing_key.to_owned()).or_default().push(allocated.clone());
        }
    }

    fn set_condition(&mut self, service: &str, condition: IpamCondition) {
        if let Some(view) = self.services.get_mut(service) {
            view.condition = Some(condition);
        }
    }

    /// What the Service has now: its first address and pool once satisfied,
    /// else the False condition; `None` for a Service LB-IPAM does not hold.
    pub fn outcome(&self, service: &str) -> Option<Result<(Ipv4Addr, String), IpamCondition>> {
        let view = self.services.get(service)?;
        Some(match view.allocated.first().filter(|_| view.is_satisfied()) {
            Some(first) => Ok((first.ip, first.pool.clone())),
            None => Err(view
                .condition
                .clone()
                .expect("satisfy() sets a condition whenever it leaves a Service unsatisfied")),
        })
    }
}

impl LbRange {
    /// Whether this range is the block (upstream's `EqualCIDR`).
    fn covers(&self, block: &ParsedBlock) -> bool {
        self.alloc.range() == block.alloc.range()
    }

    /// Reserves (or releases) a CIDR's first and last address; ranges of
    /// one or two addresses never reserve. Reserving does not take an
    /// address from a Service. Upstream frees them unconditionally when
    /// reservation is lifted; vipsim frees only its own placeholders so an
    /// address a Service still holds is never handed out twice.
    fn reserve_first_last(&mut self, reserve: bool) {
        let (first, last) = self.alloc.range();
        if u32::from(last) - u32::from(first) < 2 {
            return;
        }
        for ip in [first, last] {
            if reserve {
                self.alloc.alloc(ip, Holder::Reserved);
            } else if self.alloc.get(ip) == Some(&Holder::Reserved) {
                self.alloc.free(ip);
            }
        }
    }

    fn describe(&self) -> String {
        let (first, last) = self.alloc.range();
        format!("{first} - {last}")
    }
}

impl ServiceView {
    /// The address its status shows: its first, once satisfied.
    fn served(&self) -> Option<Ipv4Addr> {
        self.allocated.first().filter(|_| self.is_satisfied()).map(|allocated| allocated.ip)
    }

    /// `isSatisfied`: every requested address held, or some IPv4 address.
    fn is_satisfied(&self) -> bool {
        let holds = |ip: &IpAddr| self.allocated.iter().any(|allocated| IpAddr::V4(allocated.ip) == *ip);
        if self.requested.is_empty() { !self.allocated.is_empty() } else { self.requested.iter().all(holds) }
    }

    /// `ServiceView.isCompatible` (operator/pkg/lbipam/service_store.go,
    /// Cilium 1.18): may `other` share an address with this Service? The
    /// same sharing key, namespace (or both permitting the other's), no port
    /// number in common, the same `externalTrafficPolicy`, and under Local
    /// the same non-empty selector.
    fn compatible_with(&self, other: &ServiceView) -> Result<(), &'static str> {
        if self.sharing_key != other.sharing_key {
            return Err("different sharing key");
        }
        if self.namespace != other.namespace && !(self.admits(&other.namespace) && other.admits(&self.namespace)) {
            return Err("different and not permitted namespace");
        }
        if self.ports.iter().any(|port| other.ports.contains(port)) {
            return Err("same port");
        }
        if self.external_local != other.external_local {
            return Err("different ExternalTrafficPolicy");
        }
        if self.external_local && (self.selector.is_empty() || self.selector != other.selector) {
            return Err("compatible ExternalTrafficPolicy local but selecting different set of pods");
        }
        Ok(())
    }

    fn admits(&self, namespace: &str) -> bool {
        self.sharing_cross_namespace.iter().any(|allowed| allowed == namespace || allowed == "*")
    }
}

/// No pool selector means every LoadBalancer Service.
fn selects(pool: &LbPool, view: &ServiceView) -> bool {
    pool.spec.service_selector.as_ref().is_none_or(|selector| selector.matches(&view.labels))
}

fn enabled(pool: &LbPool) -> bool {
    !pool.spec.disabled && pool.conflict.is_none()
}

/// Since Cilium 1.16 only an explicit `No` reserves first and last.
fn reserves_first_last(spec: &CiliumLoadBalancerIpPoolSpec) -> bool {
    spec.allow_first_last_ips.as_deref() == Some("No")
}

fn conflict_message(target: &LbRange, collision: &LbRange, collision_pool: &str) -> String {
    format!(
        "Pool conflicts since range '{}' overlaps range '{}' from IP Pool '{collision_pool}'",
        target.describe(),
        collision.describe()
    )
}

fn ranges_intersect(one: &LbRange, two: &LbRange) -> bool {
    let ((a_from, a_to), (b_from, b_to)) = (one.alloc.range(), two.alloc.range());
    a_from <= b_to && b_from <= a_to
}

/// `areRangesInternallyConflicting`.
fn internal_overlap(ranges: &[LbRange]) -> Option<(&LbRange, &LbRange)> {
    ranges.iter().enumerate().find_map(|(i, outer)| {
        ranges
            .iter()
            .enumerate()
            .find(|(j, inner)| i != *j && ranges_intersect(outer, inner))
            .map(|(_, inner)| (outer, inner))
    })
}

/// `areRangesConflicting`.
fn overlap<'r>(outer: &'r [LbRange], inner: &'r [LbRange]) -> Option<(&'r LbRange, &'r LbRange)> {
    outer.iter().find_map(|a| inner.iter().find(|b| ranges_intersect(a, b)).map(|b| (a, b)))
}

/// `ipRangeFromBlock` for every block, IPv6 ones left out; texts as
/// `handleNewPool` wraps them.
fn parse_blocks(spec: &CiliumLoadBalancerIpPoolSpec) -> Result<Vec<ParsedBlock>, String> {
    let mut parsed = Vec::new();
    for block in &spec.blocks {
        parsed.extend(parse_block(block)?);
    }
    Ok(parsed)
}

fn parse_block(block: &CiliumPoolBlock) -> Result<Option<ParsedBlock>, String> {
    if let Some(cidr) = block.cidr.as_deref().filter(|cidr| !cidr.is_empty()) {
        return parse_cidr_block(cidr);
    }
    let start = block.start.as_deref().unwrap_or_default();
    let from = parse_ip("start", start)?;
    let to = match block.stop.as_deref().filter(|stop| !stop.is_empty()) {
        Some(stop) => parse_ip("stop", stop)?,
        None => from,
    };
    match (from, to) {
        (IpAddr::V4(from), IpAddr::V4(to)) => ranged(from, to, false).map(Some),
        (IpAddr::V6(_), IpAddr::V6(_)) => Ok(None),
        _ => Err(range_error("'start' must be the same address family as 'stop'")),
    }
}

fn parse_cidr_block(text: &str) -> Result<Option<ParsedBlock>, String> {
    if let Ok(cidr) = Cidr::parse(text) {
        return ranged(cidr.network(), cidr.broadcast(), true).map(Some);
    }
    if is_ipv6_prefix(text) {
        Ok(None)
    } else {
        Err(format!("error parsing ip block: error parsing cidr '{text}': not an IP prefix"))
    }
}

/// `NewLBRange`, which rejects a stop below the start.
fn ranged(from: Ipv4Addr, to: Ipv4Addr, from_cidr: bool) -> Result<ParsedBlock, String> {
    let alloc =
        BlockAllocator::new(from, to).ok_or_else(|| range_error("'start' must be less then or equal to 'stop'"))?;
    Ok(ParsedBlock { alloc, from_cidr })
}

/// Only start/stop blocks reach this, so upstream's `'%s'` (the block's
/// cidr) is always empty.
fn range_error(reason: &str) -> String {
    format!("error making LB Range for '': new cidr range: {reason}")
}

fn parse_ip(which: &str, text: &str) -> Result<IpAddr, String> {
    text.parse().map_err(|_| format!("error parsing ip block: error parsing {which} ip '{text}': not an IP address"))
}

/// `getSVCRequestedIPs`: `spec.loadBalancerIP`, then the annotation's
/// comma-separated list; unparsable entries are skipped (upstream logs
/// them), and consecutive duplicates dropped (`slices.CompactFunc`).
fn requested_ips(req: &IpRequest) -> Vec<IpAddr> {
    let from_spec = req.load_balancer_ip.and_then(|ip| ip.parse().ok());
    let from_annotation = req.annotation(&REQUESTED_IPS).into_iter().flat_map(|list| list.split(','));
    let mut ips: Vec<IpAddr> =
        from_spec.into_iter().chain(from_annotation.filter_map(|ip| ip.trim().parse().ok())).collect();
    ips.dedup();
    ips
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::objects::LabelSelector;

    fn ip(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    fn range(start: &str, stop: &str) -> CiliumPoolBlock {
        CiliumPoolBlock { cidr: None, start: Some(start.to_owned()), stop: Some(stop.to_owned()) }
    }

    fn cidr(cidr: &str) -> CiliumPoolBlock {
        CiliumPoolBlock { cidr: Some(cidr.to_owned()), start: None, stop: None }
    }

    type Pool = (ObjectMeta, CiliumLoadBalancerIpPoolSpec);

    fn pool(name: &str, blocks: &[CiliumPoolBlock]) -> Pool {
        let meta = ObjectMeta { name: name.to_owned(), ..ObjectMeta::default() };
        (meta, CiliumLoadBalancerIpPoolSpec { blocks: blocks.to_vec(), ..CiliumLoadBalancerIpPoolSpec::default() })
    }

    fn selecting(mut pool: Pool, labels: &[(&str, &str)]) -> Pool {
        let match_labels = labels.iter().map(|(key, value)| (key.to_string(), value.to_string())).collect();
        pool.1.service_selector = Some(LabelSelector { match_labels, ..LabelSelector::default() });
        pool
    }

    fn disabled(mut pool: Pool) -> Pool {
        pool.1.disabled = true;
        pool
    }

    fn first_last(mut pool: Pool, allow: &str) -> Pool {
        pool.1.allow_first_last_ips = Some(allow.to_owned());
        pool
    }

    use crate::k8s::ipam::test_service::Svc;

    /// The annotation that lets Services share an address.
    trait Shared {
        fn shared(self, key: &str) -> Svc;
    }
    impl Shared for Svc {
        fn shared(self, key: &str) -> Svc {
            self.annotate("lbipam.cilium.io/sharing-key", key)
        }
    }

    fn assigned(ipam: &mut CiliumIpam, svc: &Svc) -> (Ipv4Addr, String) {
        ipam.assign(&svc.request()).expect("handled").expect("satisfied")
    }

    fn assigned_ip(ipam: &mut CiliumIpam, svc: &Svc) -> Ipv4Addr {
        assigned(ipam, svc).0
    }

    fn refused(ipam: &mut CiliumIpam, svc: &Svc) -> IpamCondition {
        ipam.assign(&svc.request()).expect("handled").expect_err("unsatisfied")
    }

    fn condition(reason: &str, message: &str) -> IpamCondition {
        IpamCondition::unsatisfied(reason, message.to_owned())
    }

    fn available(ipam: &CiliumIpam, pool: &str) -> u64 {
        ipam.pool_status(pool).unwrap().ips_available
    }

    fn demo_pool() -> Pool {
        pool("demo-pool", &[range("192.0.2.10", "192.0.2.50")])
    }

    /// `revalidateAllServices` runs when a pool changes (`handlePoolModified`)
    /// and takes one Service at a time: it drops what it may no longer
    /// hold and is served at once, before the next is looked at. `w1`
    /// (which no pool selects) and `w2` (pool r) joined `v`'s address from
    /// pool q by their sharing key (a keyed Service looks in the sharing
    /// index first, whatever pool the address came from: lbipam.go
    /// `satisfyGenericIPv4Requests`). With `v` gone they hold it alone;
    /// the same pools set again are no pool event and change nothing.
    /// Then pool r changes: the run strips `w1` (q does not select it)
    /// while `w2` still holds the address, so `w1` joins it again under
    /// the key; then the same for `w2`. Both keep it, last among its
    /// holders in turn.
    #[test]
    fn a_revalidated_service_is_served_before_the_next_is_looked_at() {
        let q = selecting(pool("q", &[range("10.9.0.200", "10.9.0.202")]), &[("tier", "q")]);
        let r = selecting(pool("r", &[range("10.9.0.210", "10.9.0.212")]), &[("tier", "r")]);
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[q.clone(), r.clone()]);
        let v = Svc::new("v").label("tier", "q").shared("k1").ports(&[("TCP", 80)]);
        let w1 = Svc::new("w1").shared("k1").ports(&[("TCP", 81)]);
        let w2 = Svc::new("w2").label("tier", "r").shared("k1").ports(&[("TCP", 82)]);
        let x = assigned_ip(&mut ipam, &v);
        assert_eq!((assigned_ip(&mut ipam, &w1), assigned_ip(&mut ipam, &w2)), (x, x));
        ipam.release("default/v");
        let holders = |ipam: &CiliumIpam| ipam.holder(&ipam.services["default/w1"].allocated[0]).cloned();
        let listed = |names: [&str; 2]| Some(Holder::Services(names.map(String::from).to_vec()));
        assert_eq!(holders(&ipam), listed(["default/w1", "default/w2"]));
        ipam.set_pools(&[q.clone(), r.clone()]);
        assert_eq!(holders(&ipam), listed(["default/w1", "default/w2"]), "no pool event");
        let mut wider = r.clone();
        wider.1.blocks.push(range("10.9.0.220", "10.9.0.222"));
        ipam.set_pools(&[q, wider]);
        assert_eq!(ipam.assignment("default/w1"), Some((x, "q")));
        assert_eq!(ipam.assignment("default/w2"), Some((x, "q")));
        assert_eq!(holders(&ipam), listed(["default/w1", "default/w2"]), "each left and joined again");
        assert_eq!(ipam.take_moved(), Vec::<String>::new(), "their addresses never changed");
    }

    /// A Service that frees an address, here by asking for another, lets
    /// the waiting ones try again at once: `handleUpsertService` is
    /// followed by `satisfyServices` (lbipam.go `svcOnUpsert`). `d` waited
    /// since before `y` was created, and is not `y`: it is reported moved.
    #[test]
    fn an_address_freed_by_a_change_serves_a_waiting_service_at_once() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[pool("p", &[range("10.9.0.7", "10.9.0.7")])]);
        let d = Svc::new("d");
        let y = Svc::new("y").ports(&[("TCP", 81)]);
        assert_eq!(assigned_ip(&mut ipam, &y), ip("10.9.0.7"));
        assert_eq!(refused(&mut ipam, &d), IpamCondition::out_of_ips());
        let y = y.annotate("lbipam.cilium.io/ips", "10.9.0.40");
        assert_eq!(refused(&mut ipam, &y), condition("no_pool", "No pool exists with a CIDR containing '10.9.0.40'"));
        assert_eq!(ipam.assignment("default/d"), Some((ip("10.9.0.7"), "p")));
        assert_eq!(ipam.take_moved(), vec!["default/d".to_string()]);
    }

    /// Each status the operator patches comes back as a Service event, and
    /// with it another `satisfyServices`: the rounds go on until one
    /// changes nothing. `d` (no pool selects it) is tried before `e` in
    /// the round after `blocker` leaves, and finds nothing under key k;
    /// `e` then gets the address, and in the next round `d` joins it.
    #[test]
    fn a_service_served_in_a_round_can_serve_an_earlier_one_in_the_next() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[selecting(pool("p", &[range("10.9.0.7", "10.9.0.7")]), &[("tier", "p")])]);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("blocker").label("tier", "p")), ip("10.9.0.7"));
        let d = Svc::new("d").shared("k");
        let e = Svc::new("e").label("tier", "p").shared("k").ports(&[("TCP", 81)]);
        assert_eq!(refused(&mut ipam, &d), IpamCondition::no_pool_selects());
        assert_eq!(refused(&mut ipam, &e), IpamCondition::out_of_ips());
        ipam.release("default/blocker");
        assert_eq!(ipam.assignment("default/e"), Some((ip("10.9.0.7"), "p")));
        assert_eq!(ipam.assignment("default/d"), Some((ip("10.9.0.7"), "p")), "d joins e under key k");
        assert_eq!(ipam.take_moved(), vec!["default/e".to_string(), "default/d".to_string()]);
    }

    /// Widening a pool's range replaces it (`handlePoolModified` keeps only
    /// ranges equal to a block), which takes the Services' addresses away;
    /// revalidating each then allocates again the address its status
    /// lists, still in the new range and free (`stripOrImportIngresses`),
    /// so no VIP moves. Allocating afresh in key order would swap them.
    #[test]
    fn widening_a_range_keeps_every_service_on_its_address() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[pool("p", &[range("10.9.0.10", "10.9.0.11")])]);
        let (b, a) = (Svc::new("b"), Svc::new("a"));
        assert_eq!((assigned_ip(&mut ipam, &b), assigned_ip(&mut ipam, &a)), (ip("10.9.0.10"), ip("10.9.0.11")));
        ipam.set_pools(&[pool("p", &[range("10.9.0.10", "10.9.0.20")])]);
        assert_eq!(ipam.assignment("default/a"), Some((ip("10.9.0.11"), "p")));
        assert_eq!(ipam.assignment("default/b"), Some((ip("10.9.0.10"), "p")));
        assert_eq!(ipam.pool_status("p").unwrap().ips_used, 2);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("c")), ip("10.9.0.12"));
    }

    /// A range replaced by one without the address: the Services that held
    /// one there are still filed satisfied, so they are revalidated (and
    /// served) before the ones that were waiting. `z` gets the new range's
    /// address, not `a`, which waited.
    #[test]
    fn a_replaced_range_serves_its_former_holders_before_the_waiting() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[pool("p", &[range("10.9.0.10", "10.9.0.10")])]);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("z")), ip("10.9.0.10"));
        assert_eq!(refused(&mut ipam, &Svc::new("a")), IpamCondition::out_of_ips());
        ipam.set_pools(&[pool("p", &[range("10.9.0.20", "10.9.0.20")])]);
        assert_eq!(ipam.assignment("default/z"), Some((ip("10.9.0.20"), "p")));
        assert_eq!(ipam.assignment("default/a"), None);
        assert_eq!(ipam.take_moved(), vec!["default/z".to_string()]);
    }

    /// With no pool the operator is dormant: it sets no condition on the
    /// Services it sees, and a Service deleted serves nobody. Deleting the
    /// last pool first takes the addresses away (noted as moves) with a
    /// `no_pool` condition.
    #[test]
    fn a_dormant_operator_serves_and_conditions_nobody() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[demo_pool()]);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("web")), ip("192.0.2.10"));
        ipam.set_pools(&[]);
        assert_eq!(ipam.take_moved(), vec!["default/web".to_string()]);
        assert_eq!(ipam.outcome("default/web"), Some(Err(IpamCondition::no_pool_selects())));
        assert_eq!(ipam.assign(&Svc::new("late").request()), None);
        ipam.release("default/web");
        assert_eq!(ipam.condition("default/late"), None);
        assert_eq!(ipam.take_moved(), Vec::<String>::new());
        ipam.set_pools(&[demo_pool()]);
        assert_eq!(ipam.assignment("default/late"), Some((ip("192.0.2.10"), "demo-pool")));
    }

    /// Deleting the last pool: the operator reconciles the Services that
    /// held an address in it, then serves the waiting ones once more
    /// (`poolOnDelete`: `satisfyAndUpdateCounts` runs before the run loop
    /// sees no pool and goes dormant), so each is left with `no_pool`.
    #[test]
    fn deleting_the_last_pool_leaves_every_waiting_service_with_no_pool() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[pool("p", &[range("10.9.0.7", "10.9.0.7")])]);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("a")), ip("10.9.0.7"));
        assert_eq!(refused(&mut ipam, &Svc::new("b")), IpamCondition::out_of_ips());
        let pinned = Svc::new("pinned").annotate("lbipam.cilium.io/ips", "10.9.0.7");
        assert_eq!(refused(&mut ipam, &pinned).reason, "already_allocated");
        ipam.set_pools(&[]);
        assert_eq!(ipam.condition("default/a"), Some(&IpamCondition::no_pool_selects()));
        assert_eq!(ipam.condition("default/b"), Some(&IpamCondition::no_pool_selects()));
        assert_eq!(
            ipam.condition("default/pinned"),
            Some(&condition("no_pool", "No pool exists with a CIDR containing '10.9.0.7'"))
        );
    }

    /// A Service that lost an address with a deleted pool drops it from its
    /// status (`reconcileServicesAfterRangeDeletion` runs
    /// `stripOrImportIngresses` on every Service that lost one), so a pool
    /// made again with that address has it free: the Service does not take
    /// it back at its next event. Here `two` held both its requested
    /// addresses, then stopped requesting them and kept both (an address
    /// is stripped only for a reason: lbipam.go `stripInvalidAllocations`).
    #[test]
    fn an_address_lost_with_its_pool_leaves_the_services_status() {
        let pa = pool("pa", &[range("10.9.0.10", "10.9.0.12")]);
        let pb = pool("pb", &[range("10.9.0.20", "10.9.0.22")]);
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[pa.clone(), pb.clone()]);
        let requesting = Svc::new("two").annotate("lbipam.cilium.io/ips", "10.9.0.10,10.9.0.20");
        assert_eq!(assigned_ip(&mut ipam, &requesting), ip("10.9.0.10"));
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("two")), ip("10.9.0.10"));
        assert_eq!(ipam.pool_status("pb").unwrap().ips_used, 1, "no reason to strip it");
        ipam.set_pools(std::slice::from_ref(&pa));
        ipam.set_pools(&[pa, pb]);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("two").label("tier", "x")), ip("10.9.0.10"));
        assert_eq!(ipam.pool_status("pb").unwrap().ips_used, 0, "not taken back");
        let other = Svc::new("other").annotate("lbipam.cilium.io/ips", "10.9.0.20");
        assert_eq!(assigned_ip(&mut ipam, &other), ip("10.9.0.20"));
    }

    /// A Service whose object asks for nothing new is left as it is (a
    /// simplification: upstream re-checks a Service at every event of its
    /// own, whatever changed, and would strip `w1` and let it join again,
    /// last; see the module's docs): `w1` keeps the address
    /// it joined by key from a pool that does not select it, in its place
    /// among the holders (a pool change would strip it, and it would join
    /// again, last).
    #[test]
    fn a_service_asking_for_nothing_new_is_left_as_it_is() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[selecting(pool("q", &[range("10.9.0.200", "10.9.0.202")]), &[("tier", "q")])]);
        let v = Svc::new("v").label("tier", "q").shared("k1").ports(&[("TCP", 80)]);
        let w1 = Svc::new("w1").shared("k1").ports(&[("TCP", 81)]);
        let w2 = Svc::new("w2").shared("k1").ports(&[("TCP", 82)]);
        let x = assigned_ip(&mut ipam, &v);
        assert_eq!((assigned_ip(&mut ipam, &w1), assigned_ip(&mut ipam, &w2)), (x, x));
        let holders = |ipam: &CiliumIpam| ipam.holder(&ipam.services["default/v"].allocated[0]).cloned();
        let in_order = Some(Holder::Services(["default/v", "default/w1", "default/w2"].map(String::from).to_vec()));
        assert_eq!(holders(&ipam), in_order);
        assert_eq!(assigned_ip(&mut ipam, &w1), x);
        assert_eq!(holders(&ipam), in_order, "not stripped and joined again at the end");
        assert_eq!(ipam.take_moved(), Vec::<String>::new());
    }

    /// The satisfied Services are revalidated first, then the waiting ones,
    /// among them those the first loop stripped and could not serve: they
    /// try again once the others have dropped theirs. Pools q and r swap
    /// selectors; `s1` (tier a) is stripped of q's address first and finds
    /// r full, then `s2` (tier b) drops r's address for q's, and `s1` takes
    /// r's on its second try.
    #[test]
    fn a_service_stripped_and_left_waiting_tries_again_after_the_others() {
        let q = pool("q", &[range("10.9.0.200", "10.9.0.200")]);
        let r = pool("r", &[range("10.9.0.210", "10.9.0.210")]);
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[selecting(q.clone(), &[("tier", "a")]), selecting(r.clone(), &[("tier", "b")])]);
        let s1 = Svc::new("s1").label("tier", "a");
        let s2 = Svc::new("s2").label("tier", "b");
        assert_eq!((assigned_ip(&mut ipam, &s1), assigned_ip(&mut ipam, &s2)), (ip("10.9.0.200"), ip("10.9.0.210")));
        ipam.set_pools(&[selecting(q, &[("tier", "b")]), selecting(r, &[("tier", "a")])]);
        assert_eq!(ipam.assignment("default/s1"), Some((ip("10.9.0.210"), "r")));
        assert_eq!(ipam.assignment("default/s2"), Some((ip("10.9.0.200"), "q")));
        // (`s1` lost its address first, then got another.)
        assert_eq!(ipam.take_moved(), vec!["default/s1".to_string(), "default/s2".to_string()]);
    }

    #[test]
    fn story_c_pool_hands_out_10_then_11_and_counts_down() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[demo_pool()]);
        assert_eq!(
            ipam.pool_status("demo-pool"),
            Some(PoolStatus {
                disabled: false,
                conflicting: false,
                conflict_message: None,
                ips_total: 41,
                ips_used: 0,
                ips_available: 41,
            })
        );
        assert_eq!(assigned(&mut ipam, &Svc::new("web")), (ip("192.0.2.10"), "demo-pool".to_owned()));
        assert_eq!(ipam.condition("default/web"), Some(&IpamCondition::satisfied()));
        assert_eq!(available(&ipam, "demo-pool"), 40);
        // The Gateway's LoadBalancer Service gets the next address.
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("cilium-gateway-gw")), ip("192.0.2.11"));
        assert_eq!(available(&ipam, "demo-pool"), 39);
        assert_eq!(ipam.pool_names(), ["demo-pool"]);
    }

    #[test]
    fn story_c_a_service_created_before_any_pool_stays_pending_then_gets_10() {
        // lbipam.go: the controller waits for its first pool before it looks
        // at Services, so none gets a condition; the pool's arrival serves them.
        let mut ipam = CiliumIpam::default();
        let web = Svc::new("web");
        assert_eq!(ipam.assign(&web.request()), None);
        assert_eq!(ipam.condition("default/web"), None);
        assert_eq!(ipam.assignment("default/web"), None);

        ipam.set_pools(&[demo_pool()]);
        assert_eq!(ipam.assignment("default/web"), Some((ip("192.0.2.10"), "demo-pool")));
        assert_eq!(ipam.condition("default/web"), Some(&IpamCondition::satisfied()));
        assert_eq!(available(&ipam, "demo-pool"), 40);
        assert_eq!(ipam.assign(&web.request()), Some(Ok((ip("192.0.2.10"), "demo-pool".to_owned()))));
        assert_eq!(available(&ipam, "demo-pool"), 40);
    }

    #[test]
    fn no_matching_pool_gives_no_pool_and_losing_the_last_pool_too() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[selecting(demo_pool(), &[("color", "blue")])]);
        let no_pool = condition("no_pool", "There are no enabled CiliumLoadBalancerIPPools that match this service");
        assert_eq!(refused(&mut ipam, &Svc::new("web")), no_pool);
        assert_eq!(ipam.condition("default/web"), Some(&no_pool));

        let blue = Svc::new("blue").label("color", "blue");
        assert_eq!(assigned_ip(&mut ipam, &blue), ip("192.0.2.10"));
        // Deleting the last pool takes the address away (handlePoolDeleted),
        // then the controller goes dormant.
        ipam.set_pools(&[]);
        assert_eq!(ipam.assignment("default/blue"), None);
        assert_eq!(ipam.condition("default/blue"), Some(&no_pool));
        assert_eq!(ipam.assign(&blue.request()), None);
        assert_eq!(ipam.condition("default/blue"), Some(&no_pool));
        assert_eq!(ipam.pool_status("demo-pool"), None);
    }

    #[test]
    fn service_selectors_match_labels_and_the_injected_namespace_and_name() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[
            selecting(pool("prod", &[cidr("10.0.1.0/24")]), &[("io.kubernetes.service.namespace", "prod")]),
            selecting(pool("gw", &[cidr("10.0.2.0/24")]), &[("io.kubernetes.service.name", "cilium-gateway-gw")]),
            selecting(pool("blue", &[cidr("10.0.3.0/24")]), &[("color", "blue")]),
        ]);
        assert_eq!(assigned(&mut ipam, &Svc::in_namespace("prod", "api")).1, "prod");
        assert_eq!(assigned(&mut ipam, &Svc::new("cilium-gateway-gw")).1, "gw");
        assert_eq!(assigned(&mut ipam, &Svc::new("web").label("color", "blue")).1, "blue");

        // A requested address inside a pool that does not select the Service.
        let stray = Svc::new("stray").load_balancer_ip("10.0.1.7");
        assert_eq!(
            refused(&mut ipam, &stray),
            condition(
                "pool_selector_mismatch",
                "The pool with the CIDR containing '10.0.1.7', doesn't select this service"
            )
        );
        // Losing the label loses the address (stripInvalidAllocations).
        assert_eq!(refused(&mut ipam, &Svc::new("web")).reason, "no_pool");
        assert_eq!(ipam.assignment("default/web"), None);
    }

    #[test]
    fn a_full_pool_gives_out_of_ips() {
        let mut ipam = CiliumIpam::default();
        let single = CiliumPoolBlock { cidr: None, start: Some("192.0.2.10".to_owned()), stop: None };
        ipam.set_pools(&[pool("one", &[single])]);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("a")), ip("192.0.2.10"));
        assert_eq!(
            refused(&mut ipam, &Svc::new("b")),
            condition(
                "out_of_ips",
                "All enabled CiliumLoadBalancerIPPools that match this service ran out of allocatable IPs"
            )
        );
        assert_eq!(available(&ipam, "one"), 0);
        // Freeing the address lets the next reconcile serve the waiting Service.
        ipam.release("default/a");
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("b")), ip("192.0.2.10"));
    }

    #[test]
    fn requested_addresses_inside_outside_and_taken() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[demo_pool()]);
        let web = Svc::new("web").annotate("lbipam.cilium.io/ips", "192.0.2.30");
        assert_eq!(assigned_ip(&mut ipam, &web), ip("192.0.2.30"));
        let legacy = Svc::new("legacy").load_balancer_ip("192.0.2.31");
        assert_eq!(assigned_ip(&mut ipam, &legacy), ip("192.0.2.31"));
        let alias = Svc::new("alias").annotate("io.cilium/lb-ipam-ips", "192.0.2.32");
        assert_eq!(assigned_ip(&mut ipam, &alias), ip("192.0.2.32"));

        let outside = Svc::new("far").load_balancer_ip("10.9.9.9");
        assert_eq!(
            refused(&mut ipam, &outside),
            condition("no_pool", "No pool exists with a CIDR containing '10.9.9.9'")
        );
        let v6 = Svc::new("v6").annotate("lbipam.cilium.io/ips", "2001:db8::1");
        assert_eq!(
            refused(&mut ipam, &v6),
            condition("no_pool", "No pool exists with a CIDR containing '2001:db8::1'")
        );
        let copycat = Svc::new("copycat").annotate("lbipam.cilium.io/ips", "192.0.2.30");
        assert_eq!(
            refused(&mut ipam, &copycat),
            condition("already_allocated", "The IP '192.0.2.30' is already allocated to another service")
        );

        // Taking .30-.32 split the free addresses into .10-.29 and .33-.50;
        // pkg/ipalloc serves the smaller block first.
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("any")), ip("192.0.2.33"));
        // Requesting another address moves the Service and frees the old one.
        let moved = Svc::new("web").annotate("lbipam.cilium.io/ips", "192.0.2.40");
        assert_eq!(assigned_ip(&mut ipam, &moved), ip("192.0.2.40"));
        assert_eq!(assigned_ip(&mut ipam, &copycat), ip("192.0.2.30"));
    }

    #[test]
    fn several_requested_addresses_must_all_be_held() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[demo_pool()]);
        let both = Svc::new("both").annotate("lbipam.cilium.io/ips", "192.0.2.20, 10.9.9.9");
        assert_eq!(refused(&mut ipam, &both).message, "No pool exists with a CIDR containing '10.9.9.9'");
        assert_eq!(ipam.assignment("default/both"), Some((ip("192.0.2.20"), "demo-pool")));
    }

    #[test]
    fn sharing_keys_share_when_port_numbers_differ() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[demo_pool()]);
        let http = Svc::new("http").shared("edge");
        let https = Svc::new("https").shared("edge").ports(&[("TCP", 443)]);
        assert_eq!(assigned_ip(&mut ipam, &http), ip("192.0.2.10"));
        assert_eq!(assigned_ip(&mut ipam, &https), ip("192.0.2.10"));
        assert_eq!(ipam.pool_status("demo-pool").unwrap().ips_used, 1);

        // Cilium compares port numbers only: UDP/80 clashes with TCP/80
        // (service_store.go isCompatible), so a new address is allocated.
        let quic = Svc::new("quic").shared("edge").ports(&[("UDP", 80)]);
        assert_eq!(assigned_ip(&mut ipam, &quic), ip("192.0.2.11"));
        let pinned = Svc::new("pinned").shared("edge").annotate("lbipam.cilium.io/ips", "192.0.2.10");
        assert_eq!(
            refused(&mut ipam, &pinned),
            condition(
                "already_allocated_incompatible_service",
                "The IP '192.0.2.10' is already allocated to an incompatible service. Reason: same port"
            )
        );
        let other_key =
            Svc::new("other").shared("other").ports(&[("TCP", 8080)]).annotate("lbipam.cilium.io/ips", "192.0.2.10");
        assert_eq!(refused(&mut ipam, &other_key).message.rsplit("Reason: ").next(), Some("different sharing key"));

        // When a holder leaves, the Services waiting try again at once
        // (`svcOnDelete` calls `satisfyServices`): with `http` gone, port
        // 80 is free on the shared address and `pinned` joins it. The
        // address stays allocated while any holder is left.
        ipam.release("default/http");
        assert_eq!(ipam.assignment("default/https"), Some((ip("192.0.2.10"), "demo-pool")));
        assert_eq!(ipam.assignment("default/pinned"), Some((ip("192.0.2.10"), "demo-pool")));
        assert_eq!(ipam.take_moved(), vec!["default/pinned".to_string()]);
        ipam.release("default/https");
        assert_eq!(ipam.assignment("default/other"), None, "pinned still holds it");
        assert_eq!(ipam.take_moved(), Vec::<String>::new());
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("plain")), ip("192.0.2.12"));
    }

    #[test]
    fn a_keyed_service_prefers_an_address_already_shared_under_its_key() {
        // satisfyGenericRequest looks in the sharing index before allocating,
        // unlike MetalLB, which takes the lowest compatible address.
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[demo_pool()]);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("blocker")), ip("192.0.2.10"));
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("http").shared("edge")), ip("192.0.2.11"));
        ipam.release("default/blocker");
        let ssh = Svc::new("ssh").shared("edge").ports(&[("TCP", 22)]);
        assert_eq!(assigned_ip(&mut ipam, &ssh), ip("192.0.2.11"));
    }

    #[test]
    fn a_freed_address_leaves_the_sharing_index_even_after_a_key_change() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[demo_pool()]);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("web").shared("old")), ip("192.0.2.10"));
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("web").shared("new")), ip("192.0.2.10"));
        ipam.release("default/web");
        let api = Svc::new("api").shared("old").ports(&[("TCP", 443)]);
        assert_eq!(assigned_ip(&mut ipam, &api), ip("192.0.2.10"));
        assert_eq!(ipam.pool_status("demo-pool").unwrap().ips_used, 1);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("plain")), ip("192.0.2.11"));
    }

    #[test]
    fn sharing_across_namespaces_needs_both_sides_to_allow_it() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[demo_pool()]);
        let a = Svc::in_namespace("team-a", "web").shared("edge");
        let b = Svc::in_namespace("team-b", "api").shared("edge").ports(&[("TCP", 443)]);
        assert_eq!(assigned_ip(&mut ipam, &a), ip("192.0.2.10"));
        assert_eq!(assigned_ip(&mut ipam, &b), ip("192.0.2.11"));
        ipam.release("team-b/api");

        let a = a.annotate("lbipam.cilium.io/sharing-cross-namespace", "team-b");
        let b = b.annotate("io.cilium/lb-ipam-sharing-cross-namespace", "*");
        assert_eq!(assigned_ip(&mut ipam, &a), ip("192.0.2.10"));
        assert_eq!(assigned_ip(&mut ipam, &b), ip("192.0.2.10"));
    }

    #[test]
    fn first_and_last_addresses_of_a_cidr_are_allocatable_unless_allow_first_last_ips_is_no() {
        // Cilium >= 1.16 allocates .0 and .255 of a /24 by default; "No"
        // reserves them (counted as used) except in ranges of one or two.
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[pool("open", &[cidr("10.0.1.0/24")])]);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("first")), ip("10.0.1.0"));

        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[
            first_last(pool("lan", &[cidr("10.0.1.0/24")]), "No"),
            first_last(pool("pair", &[cidr("10.0.2.0/31")]), "No"),
        ]);
        let status = ipam.pool_status("lan").unwrap();
        assert_eq!((status.ips_total, status.ips_used, status.ips_available), (256, 2, 254));
        assert_eq!(available(&ipam, "pair"), 2);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("first")), ip("10.0.1.1"));
        let network = Svc::new("network").load_balancer_ip("10.0.1.0");
        assert_eq!(
            refused(&mut ipam, &network),
            condition("already_allocated", "The IP '10.0.1.0' is already allocated to another service")
        );
        let broadcast = Svc::new("broadcast").shared("edge").load_balancer_ip("10.0.1.255");
        assert_eq!(refused(&mut ipam, &broadcast).reason, "already_allocated");
        // Start/stop blocks never reserve anything.
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[first_last(pool("range", &[range("10.0.1.0", "10.0.1.255")]), "No")]);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("first")), ip("10.0.1.0"));
    }

    #[test]
    fn an_opt_in_pool_is_a_service_selector_as_cilium_has_no_auto_assign() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[
            selecting(pool("special", &[cidr("10.0.9.0/29")]), &[("ipam", "special")]),
            pool("general", &[cidr("10.0.1.0/29")]),
        ]);
        assert_eq!(assigned(&mut ipam, &Svc::new("web")).1, "general");
        assert_eq!(assigned(&mut ipam, &Svc::new("db").label("ipam", "special")).1, "special");
    }

    #[test]
    fn pools_are_tried_in_creation_order() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[pool("zeta", &[range("10.0.2.0", "10.0.2.1")]), pool("alpha", &[cidr("10.0.1.0/24")])]);
        let pools: Vec<String> = ["a", "b", "c"].iter().map(|name| assigned(&mut ipam, &Svc::new(name)).1).collect();
        assert_eq!(pools, ["zeta", "zeta", "alpha"]);
        assert_eq!(ipam.assignment("default/c"), Some((ip("10.0.1.0"), "alpha")));
    }

    #[test]
    fn the_newer_of_two_overlapping_pools_is_conflicting_until_the_overlap_goes() {
        let mut ipam = CiliumIpam::default();
        let blue = selecting(pool("blue-pool", &[cidr("10.0.10.0/24")]), &[("color", "blue")]);
        let red = selecting(pool("red-pool", &[cidr("10.0.20.0/24"), cidr("10.0.10.128/25")]), &[("color", "red")]);
        ipam.set_pools(&[blue.clone(), red.clone()]);
        let status = ipam.pool_status("red-pool").unwrap();
        assert!(status.conflicting);
        assert_eq!(
            status.conflict_message.as_deref(),
            Some(
                "Pool conflicts since range '10.0.10.128 - 10.0.10.255' overlaps range '10.0.10.0 - 10.0.10.255' from IP Pool 'blue-pool'"
            )
        );
        assert!(!ipam.pool_status("blue-pool").unwrap().conflicting);
        // A conflicting pool allocates nothing, not even from its clean range.
        let red_svc = Svc::new("red").label("color", "red");
        assert_eq!(refused(&mut ipam, &red_svc).reason, "no_pool");

        ipam.set_pools(&[red]);
        assert_eq!(ipam.pool_status("red-pool").unwrap().conflict_message, None);
        assert_eq!(ipam.assignment("default/red"), Some((ip("10.0.20.0"), "red-pool")));

        // Blocks of one pool overlapping each other conflict with the pool itself.
        ipam.set_pools(&[pool("self", &[cidr("10.0.30.0/24"), range("10.0.30.5", "10.0.30.9")])]);
        assert_eq!(
            ipam.pool_status("self").unwrap().conflict_message.as_deref(),
            Some(
                "Pool conflicts since range '10.0.30.0 - 10.0.30.255' overlaps range '10.0.30.5 - 10.0.30.9' from IP Pool 'self'"
            )
        );
    }

    #[test]
    fn a_disabled_pool_keeps_existing_addresses_and_hands_out_none() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[demo_pool()]);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("web")), ip("192.0.2.10"));
        ipam.set_pools(&[disabled(demo_pool())]);
        assert!(ipam.pool_status("demo-pool").unwrap().disabled);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("web")), ip("192.0.2.10"));
        assert_eq!(refused(&mut ipam, &Svc::new("new")).reason, "no_pool");
        // findRangeOfIP skips disabled ranges, so a request reads as "no pool".
        let pinned = Svc::new("pinned").load_balancer_ip("192.0.2.20");
        assert_eq!(
            refused(&mut ipam, &pinned),
            condition("no_pool", "No pool exists with a CIDR containing '192.0.2.20'")
        );
        // Re-enabling serves the waiting Services.
        ipam.set_pools(&[demo_pool()]);
        assert_eq!(ipam.assignment("default/new"), Some((ip("192.0.2.11"), "demo-pool")));
        assert_eq!(ipam.assignment("default/pinned"), Some((ip("192.0.2.20"), "demo-pool")));
    }

    #[test]
    fn release_then_reassign_reuses_the_freed_address() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[demo_pool()]);
        for name in ["a", "b", "c"] {
            assigned_ip(&mut ipam, &Svc::new(name));
        }
        ipam.release("default/b");
        ipam.release("default/nonexistent");
        assert_eq!(ipam.condition("default/b"), None);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("d")), ip("192.0.2.11"));
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("e")), ip("192.0.2.13"));
    }

    #[test]
    fn the_smallest_free_block_is_used_first_not_the_lowest_address() {
        // pkg/ipalloc hands out the start of the smallest free block: with
        // .10-.12 and .15 free, .15 goes first.
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[demo_pool()]);
        for n in 10..=20 {
            assigned_ip(&mut ipam, &Svc::new(&format!("svc-{n}")));
        }
        for n in [10, 11, 12, 15] {
            ipam.release(&format!("default/svc-{n}"));
        }
        let next: Vec<Ipv4Addr> = ["a", "b", "c"].iter().map(|name| assigned_ip(&mut ipam, &Svc::new(name))).collect();
        assert_eq!(next, [ip("192.0.2.15"), ip("192.0.2.10"), ip("192.0.2.11")]);
    }

    #[test]
    fn pool_changes_revalidate_services() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[demo_pool()]);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("web")), ip("192.0.2.10"));

        // The block is replaced: its allocations go, the Service is served anew.
        ipam.set_pools(&[pool("demo-pool", &[range("192.0.2.100", "192.0.2.110")])]);
        assert_eq!(ipam.assignment("default/web"), Some((ip("192.0.2.100"), "demo-pool")));
        assert_eq!(available(&ipam, "demo-pool"), 10);

        // A kept block keeps its allocations while another is added.
        ipam.set_pools(&[pool("demo-pool", &[range("192.0.2.100", "192.0.2.110"), cidr("10.0.0.0/30")])]);
        assert_eq!(ipam.assignment("default/web"), Some((ip("192.0.2.100"), "demo-pool")));
        assert_eq!(available(&ipam, "demo-pool"), 14);

        // Turning allowFirstLastIPs to No reserves a CIDR's ends, and back.
        ipam.set_pools(&[first_last(
            pool("demo-pool", &[range("192.0.2.100", "192.0.2.110"), cidr("10.0.0.0/30")]),
            "No",
        )]);
        assert_eq!(available(&ipam, "demo-pool"), 12);
        ipam.set_pools(&[pool("demo-pool", &[range("192.0.2.100", "192.0.2.110"), cidr("10.0.0.0/30")])]);
        assert_eq!(available(&ipam, "demo-pool"), 14);

        // A selector the Service does not match takes its address away.
        ipam.set_pools(&[selecting(pool("demo-pool", &[range("192.0.2.100", "192.0.2.110")]), &[("color", "blue")])]);
        assert_eq!(ipam.assignment("default/web"), None);
        assert_eq!(ipam.condition("default/web").map(|c| c.reason.as_str()), Some("no_pool"));
    }

    #[test]
    fn services_of_another_load_balancer_class_are_not_handled() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[demo_pool()]);
        assert_eq!(ipam.assign(&Svc::new("metallb").class("metallb").request()), None);
        let l2 = Svc::new("l2").class("io.cilium/l2-announcer");
        assert_eq!(ipam.assign(&l2.request()), None);
        ipam.set_enabled_announcers(false, true);
        assert_eq!(assigned_ip(&mut ipam, &l2), ip("192.0.2.10"));
        assert_eq!(ipam.assign(&Svc::new("bgp").class("io.cilium/bgp-control-plane").request()), None);

        // A Service moving to another class loses its address and condition.
        let web = Svc::new("web");
        assert_eq!(assigned_ip(&mut ipam, &web), ip("192.0.2.11"));
        assert_eq!(ipam.assign(&Svc::new("web").class("metallb").request()), None);
        assert_eq!(ipam.assignment("default/web"), None);
        assert_eq!(ipam.condition("default/web"), None);
        assert_eq!(available(&ipam, "demo-pool"), 40);
    }

    #[test]
    fn malformed_blocks_keep_the_pool_from_loading() {
        let mut ipam = CiliumIpam::default();
        ipam.set_pools(&[
            pool("bad-start", &[range("192.0.2.x", "192.0.2.20")]),
            pool("backwards", &[range("192.0.2.20", "192.0.2.10")]),
            pool("bad-cidr", &[cidr("192.0.2.0/33")]),
            pool("mixed", &[range("192.0.2.10", "2001:db8::1")]),
            pool("dual-stack", &[cidr("2001:db8::/64"), cidr("192.0.2.0/28")]),
        ]);
        let errors: Vec<Option<&str>> = ["bad-start", "backwards", "bad-cidr", "mixed", "dual-stack"]
            .iter()
            .map(|name| ipam.pool_error(name))
            .collect();
        assert_eq!(
            errors,
            [
                Some("error parsing ip block: error parsing start ip '192.0.2.x': not an IP address"),
                Some("error making LB Range for '': new cidr range: 'start' must be less then or equal to 'stop'"),
                Some("error parsing ip block: error parsing cidr '192.0.2.0/33': not an IP prefix"),
                Some("error making LB Range for '': new cidr range: 'start' must be the same address family as 'stop'"),
                None,
            ]
        );
        assert_eq!(ipam.pool_names(), ["dual-stack"]);
        assert_eq!(ipam.pool_status("bad-start"), None);
        assert_eq!(available(&ipam, "dual-stack"), 16);

        // A broken update leaves the loaded pool as it was.
        ipam.set_pools(&[pool("dual-stack", &[range("nope", "")])]);
        assert!(ipam.pool_error("dual-stack").is_some());
        assert_eq!(available(&ipam, "dual-stack"), 16);
    }
}
