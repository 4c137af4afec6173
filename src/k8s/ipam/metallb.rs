//! MetalLB's address assignment, modelled on its controller
//! (`controller/service.go`: `convergeBalancer`, `allocateIPs`) and allocator
//! (`internal/allocator/allocator.go`), with pools parsed as
//! `internal/config/config.go` does.
//!
//! Where upstream is nondeterministic vipsim picks one documented order:
//! MetalLB keeps pools in a Go map (`Pools.ByName`) and `Allocate` walks that
//! map, so which of several auto-assign pools serves a Service is
//! unspecified upstream. vipsim tries pools in apply (creation) order, and
//! pools created in one instant (a scenario's start) by name.
//! `spec.serviceAllocation` is modelled as `Allocate` does it: the pools
//! pinned to the Service (by namespace or Service selector) first, lowest
//! `priority` first and 0 last (ties in apply order), then every
//! `autoAssign` pool *without* a `serviceAllocation`; a requested IP or
//! pool must be in a pool compatible with the Service
//! (`isPoolCompatibleWithService`).

use super::{IpRequest, is_ipv6_prefix};
use crate::k8s::objects::{IpAddressPoolSpec, LabelSelector, ObjectMeta, ServiceSpec};
use crate::net::addr::Cidr;
use crate::sort::Sort;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

/// Annotations are read current-key first, then the deprecated
/// `metallb.universe.tf/` alias (`valueForAnnotation` in service.go).
const ADDRESS_POOL: [&str; 2] = ["metallb.io/address-pool", "metallb.universe.tf/address-pool"];
const LOAD_BALANCER_IPS: [&str; 2] = ["metallb.io/loadBalancerIPs", "metallb.universe.tf/loadBalancerIPs"];
const ALLOW_SHARED_IP: [&str; 2] = ["metallb.io/allow-shared-ip", "metallb.universe.tf/allow-shared-ip"];

/// The address MetalLB gave a Service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub ip: Ipv4Addr,
    pub pool: String,
    /// The `allow-shared-ip` key the Service was assigned under, if any.
    pub sharing_key: Option<String>,
}

impl Assignment {
    /// The `IPAllocated` event text (`Assigned IP %q` over the IP list).
    pub fn event_message(&self) -> String {
        format!("Assigned IP [\"{}\"]", self.ip)
    }
}

/// Why a Service got no address. `message` is the `AllocationFailed` event
/// text as MetalLB words it, except in two cases where MetalLB records no
/// event at all (the Service just stays `<pending>`): when no pool exists
/// (`assign` returns the controller's log text "pools are empty") and when
/// the Service's `loadBalancerClass` is not MetalLB's (vipsim's wording;
/// see [`MetalLbIpam::handles`]); `event` says which.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllocationError {
    pub message: String,
    /// Whether the controller records the `AllocationFailed` event
    /// (`convergeBalancer` in controller/service.go records it only when
    /// `allocateIPs` fails).
    pub event: bool,
}

impl AllocationError {
    fn allocation_failed(service: &str, reason: &str) -> AllocationError {
        AllocationError { message: format!("Failed to allocate IP for \"{service}\": {reason}"), event: true }
    }

    fn unrecorded(message: String) -> AllocationError {
        AllocationError { message, event: false }
    }
}

/// MetalLB's controller-side state: the IPAddressPools and who holds which
/// address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MetalLbIpam {
    /// Valid pools in apply order.
    pools: Vec<AddressPool>,
    /// Per Service (`namespace/name`).
    allocations: BTreeMap<String, Allocation>,
    /// The controller's `--lb-class` flag (`None`: the default, empty).
    load_balancer_class: Option<String>,
    /// Each Service's object as the controller last acted on it: it acts
    /// on a Service at the Service's own change (`reconcileService`), or on
    /// every Service when a reprocess is due.
    #[serde(default)]
    seen: BTreeMap<String, SeenService>,
    /// Every Service is to be processed again (`SyncStateReprocessAll`,
    /// then `reprocessAll`): the pools changed (`SetPools`), a Service that
    /// held an address was deleted or lost it while the address is still
    /// in a pool (`SetBalancer`, controller/main.go, 0.14.9).
    #[serde(default)]
    reprocess_due: bool,
}

/// A Service's object as the controller last saw it (see
/// [`MetalLbIpam::wants`]): its watch has no filter, so any change to it
/// (`sessionAffinity`, a port's name, a label) is an event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct SeenService {
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    spec: ServiceSpec,
}

impl SeenService {
    fn is(&self, meta: &ObjectMeta, spec: &ServiceSpec) -> bool {
        self.labels == meta.labels && self.annotations == meta.annotations && self.spec == *spec
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct AddressPool {
    name: String,
    /// `addresses` as written: the controller's configuration keeps them
    /// (`cidrsPerAddresses`), so writing a range as a CIDR is a change.
    #[serde(default)]
    written: Vec<String>,
    /// `addresses` as CIDRs, in the order written; an `a-b` range becomes
    /// the CIDRs that cover it exactly, as config.go's `ParseCIDR` does.
    cidrs: Vec<Cidr>,
    auto_assign: bool,
    avoid_buggy_ips: bool,
    /// `spec.serviceAllocation`, its namespace selectors resolved against
    /// the namespaces as config.go's `addressPoolServiceAllocationsFromCR`
    /// does.
    allocation: Option<PoolAllocation>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct PoolAllocation {
    priority: i32,
    /// `namespaces` plus every namespace a `namespaceSelectors` entry matches.
    namespaces: BTreeSet<String>,
    service_selectors: Vec<LabelSelector>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Allocation {
    assignment: Assignment,
    /// `(protocol, port)` pairs: what a sharing Service must not reuse.
    ports: Vec<(String, u16)>,
    /// k8salloc's `BackendKey`: the selector (`k=v,...`) under
    /// `externalTrafficPolicy: Local`, empty under Cluster.
    #[serde(default)]
    backend_key: String,
}

/// What one `assign` call asks for, read from the Service.
struct Wanted<'a> {
    /// `spec.loadBalancerIP` or the `loadBalancerIPs` annotation, or why it
    /// cannot be honoured.
    ip: Result<Option<Ipv4Addr>, String>,
    pool: Option<&'a str>,
    sharing_key: Option<&'a str>,
    ports: &'a [(String, u16)],
    backend_key: String,
    namespace: &'a str,
    labels: &'a BTreeMap<String, String>,
}

impl<'a> Wanted<'a> {
    fn from_request(req: &IpRequest<'a>) -> Wanted<'a> {
        Wanted {
            ip: requested_ip(req),
            pool: req.annotation(&ADDRESS_POOL).filter(|pool| !pool.is_empty()),
            sharing_key: req.annotation(&ALLOW_SHARED_IP).filter(|key| !key.is_empty()),
            ports: req.ports,
            backend_key: backend_key(req),
            namespace: req.namespace,
            labels: req.labels,
        }
    }
}

/// k8salloc.go's `BackendKey`: `labels.Set(selector).String()` for a
/// Local-policy Service (sorted `k=v` pairs joined by commas), "" for
/// Cluster, which "can share services regardless of backends".
fn backend_key(req: &IpRequest) -> String {
    if !req.external_local {
        return String::new();
    }
    req.selector.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")
}

impl MetalLbIpam {
    /// Sets the controller's `--lb-class`: with `None` (the default) MetalLB
    /// handles only Services without a `loadBalancerClass`, with `Some(c)`
    /// only those whose class is `c` (`filterByLoadBalancerClass` in
    /// `internal/k8s/controllers/service_controller.go`).
    pub fn set_load_balancer_class(&mut self, class: Option<&str>) {
        self.load_balancer_class = class.map(str::to_owned);
    }

    /// Whether MetalLB reconciles a Service with this `loadBalancerClass`.
    pub fn handles(&self, load_balancer_class: Option<&str>) -> bool {
        load_balancer_class == self.load_balancer_class.as_deref()
    }

    /// Replaces the pool set (IPAddressPool objects in creation order), with
    /// the cluster's namespaces and their labels (what `namespaceSelectors`
    /// match). Returns one error string per invalid pool (skipped).
    ///
    /// The texts are config.go's. Upstream the validating webhook rejects
    /// such a pool at `kubectl apply` time, so it never exists; skipping
    /// it models that. Assignments whose address no pool holds any more are
    /// dropped now, as `Allocator.SetPools` does: the Service re-allocates on
    /// its next [`assign`](Self::assign) (MetalLB's controller records a
    /// `ClearAssignment` event and allocates again when it reprocesses the
    /// Services after a config change). An address that moved to another
    /// pool is kept and re-labelled with that pool.
    pub fn set_pools(
        &mut self,
        pools: &[(ObjectMeta, IpAddressPoolSpec)],
        namespaces: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Vec<String> {
        let (accepted, errors) = AddressPool::parse_all(pools, namespaces);
        if self.pools != accepted {
            self.reprocess_due = true;
        }
        self.pools = accepted;
        self.rehome_allocations();
        errors
    }

    /// MetalLB's validating webhook for an IPAddressPool being created or
    /// updated (`ipaddresspoolvalidationwebhook.metallb.io`,
    /// internal/k8s/webhooks/webhookv1beta1/ipaddresspool_webhook.go,
    /// 0.14.9): the pools as the API server lists them (by name), the new
    /// one in its place or last, must make a valid configuration
    /// (config.go `poolsFor`); the first error is the denial.
    pub fn admit_pools(
        pools: &[(ObjectMeta, IpAddressPoolSpec)],
        namespaces: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Result<(), String> {
        // (Up to the first error, the pools are those the controller
        // accepts one by one.)
        AddressPool::parse_all(pools, namespaces).1.into_iter().next().map_or(Ok(()), Err)
    }

    /// Whether the Service changed since the controller last acted on it
    /// (then it acts on it; on every Service in a reprocess, see
    /// [`take_reprocess`](Self::take_reprocess)). A Service waiting for an
    /// address is not tried again otherwise, even when one is freed:
    /// MetalLB reprocesses every Service when one that held an address is
    /// deleted or loses it, not when one moves to another address or
    /// changes what it shares.
    pub fn wants(&self, service: &str, meta: &ObjectMeta, spec: &ServiceSpec) -> bool {
        self.seen.get(service).is_none_or(|seen| !seen.is(meta, spec))
    }

    /// Notes the Service's object as the controller acts on it.
    pub fn saw(&mut self, service: &str, meta: &ObjectMeta, spec: &ServiceSpec) {
        if self.wants(service, meta, spec) {
            let seen =
                SeenService { labels: meta.labels.clone(), annotations: meta.annotations.clone(), spec: spec.clone() };
            self.seen.insert(service.to_owned(), seen);
        }
    }

    /// Whether a reprocess of every Service is due; it is then under way.
    pub fn take_reprocess(&mut self) -> bool {
        std::mem::take(&mut self.reprocess_due)
    }

    /// Assigns (or keeps) an address for a Service. Idempotent: an existing
    /// valid assignment is returned unchanged.
    ///
    /// Follows `convergeBalancer`: a held address is kept while the
    /// allocator still accepts it for the Service's current ports and
    /// sharing key and it still matches a requested pool or IP; otherwise
    /// it is released and `allocateIPs` runs: the requested IP, else the
    /// requested pool, else every `autoAssign` pool.
    pub fn assign(&mut self, req: &IpRequest) -> Result<Assignment, AllocationError> {
        if !self.handles(req.load_balancer_class) {
            return Err(self.not_handled(req));
        }
        if self.pools.is_empty() {
            self.allocations.remove(req.service);
            return Err(AllocationError::unrecorded("pools are empty".to_owned()));
        }
        let wanted = Wanted::from_request(req);
        if let Some(kept) = self.keep_current(req.service, &wanted) {
            return Ok(kept);
        }
        let previous = self.allocations.remove(req.service).map(|allocation| allocation.assignment.ip);
        let outcome = self
            .allocate(req.service, &wanted)
            .map_err(|reason| AllocationError::allocation_failed(req.service, &reason));
        // "removed loadbalancer from service, services will be
        // reprocessed", if the address is still in a pool.
        if outcome.is_err() && previous.is_some_and(|ip| self.pool_holding(ip).is_some()) {
            self.reprocess_due = true;
        }
        outcome
    }

    /// The Service is gone, or no longer a LoadBalancer: if it held an
    /// address, every Service is reprocessed ("There might be other LBs
    /// stuck waiting for an IP").
    pub fn release(&mut self, service: &str) {
        self.seen.remove(service);
        if self.allocations.remove(service).is_some() {
            self.reprocess_due = true;
        }
    }

    pub fn assignment(&self, service: &str) -> Option<&Assignment> {
        self.allocations.get(service).map(|allocation| &allocation.assignment)
    }

    /// Which pool an address belongs to (L2Advertisement/BGPAdvertisement
    /// selection uses it).
    pub fn pool_of(&self, ip: Ipv4Addr) -> Option<&str> {
        self.pool_holding(ip).map(|pool| pool.name.as_str())
    }

    pub fn pool_names(&self) -> Vec<String> {
        self.pools.iter().map(|pool| pool.name.clone()).collect()
    }

    /// `(assigned, available)` IPv4 counts of a pool, as the allocator's
    /// `PoolCounters` (and the IPAddressPool status) report them: a shared
    /// address counts once; `avoidBuggyIPs` addresses are not available.
    pub fn pool_usage(&self, pool: &str) -> Option<(u64, u64)> {
        let pool = self.pools.iter().find(|candidate| candidate.name == pool)?;
        let assigned: BTreeSet<Ipv4Addr> = self
            .allocations
            .values()
            .filter(|allocation| allocation.assignment.pool == pool.name)
            .map(|allocation| allocation.assignment.ip)
            .collect();
        let assigned = assigned.len() as u64;
        Some((assigned, pool.capacity() - assigned))
    }

    /// MetalLB only logs ("filtered service") and leaves the Service alone,
    /// even an address it gave it before; the text is vipsim's.
    fn not_handled(&self, req: &IpRequest) -> AllocationError {
        let theirs = match req.load_balancer_class {
            Some(class) => format!("it has loadBalancerClass \"{class}\""),
            None => "it has no loadBalancerClass".to_owned(),
        };
        let ours = match self.load_balancer_class.as_deref() {
            Some(class) => format!("MetalLB runs with --lb-class={class}"),
            None => "MetalLB (no --lb-class) handles only Services without one".to_owned(),
        };
        AllocationError::unrecorded(format!("MetalLB ignores Service \"{}\": {theirs} and {ours}", req.service))
    }

    fn rehome_allocations(&mut self) {
        // Only the allocations whose pool changed are listed: this runs on
        // every reconcile, and with the pools unchanged none has.
        let moved: Vec<(String, Option<String>)> = self
            .allocations
            .iter()
            .filter_map(|(service, allocation)| {
                let home = self.pool_holding(allocation.assignment.ip).map(|pool| &pool.name);
                (home != Some(&allocation.assignment.pool)).then(|| (service.clone(), home.cloned()))
            })
            .collect();
        for (service, home) in moved {
            match home {
                Some(pool) => {
                    if let Some(allocation) = self.allocations.get_mut(&service) {
                        allocation.assignment.pool = pool;
                    }
                }
                None => {
                    self.allocations.remove(&service);
                }
            }
        }
    }

    fn keep_current(&mut self, service: &str, wanted: &Wanted) -> Option<Assignment> {
        let current = &self.allocations.get(service)?.assignment;
        let ip = current.ip;
        // `Assign` of the held address: its pool must still take the
        // Service (`isPoolCompatibleWithService`), and the sharing rules hold.
        let compatible = self.pool_holding(ip).is_some_and(|pool| pool.compatible_with(wanted));
        let still_allowed = compatible && self.check_sharing(service, ip, wanted).is_ok();
        let same_pool = wanted.pool.is_none_or(|pool| pool == current.pool);
        // An unparsable request keeps the address: upstream returns before
        // touching the status, with a LoadBalancerFailed warning vipsim omits.
        let same_ip = !matches!(wanted.ip, Ok(Some(requested)) if requested != ip);
        if !(still_allowed && same_pool && same_ip) {
            return None;
        }
        let allocation = self.allocations.get_mut(service)?;
        allocation.ports = wanted.ports.to_vec();
        allocation.backend_key = wanted.backend_key.clone();
        allocation.assignment.sharing_key = wanted.sharing_key.map(str::to_owned);
        Some(allocation.assignment.clone())
    }

    fn allocate(&mut self, service: &str, wanted: &Wanted) -> Result<Assignment, String> {
        let (ip, pool) = match (wanted.ip.clone()?, wanted.pool) {
            (Some(ip), pool) => self.requested_address(service, ip, pool, wanted)?,
            (None, Some(pool)) => self.address_from_pool(service, pool, wanted)?,
            (None, None) => self.automatic_address(service, wanted)?,
        };
        let assignment = Assignment { ip, pool, sharing_key: wanted.sharing_key.map(str::to_owned) };
        let allocation = Allocation {
            assignment: assignment.clone(),
            ports: wanted.ports.to_vec(),
            backend_key: wanted.backend_key.clone(),
        };
        self.allocations.insert(service.to_owned(), allocation);
        Ok(assignment)
    }

    /// `Allocator.Assign` for a requested IP: any pool holding it will do,
    /// `autoAssign: false` ones included; then the pool annotation must agree.
    fn requested_address(
        &self,
        service: &str,
        ip: Ipv4Addr,
        requested_pool: Option<&str>,
        wanted: &Wanted,
    ) -> Result<(Ipv4Addr, String), String> {
        let pool = self.pool_holding(ip).ok_or_else(|| format!("[\"{ip}\"] is not allowed in config"))?;
        pool.check_compatible(wanted)?;
        self.check_sharing(service, ip, wanted)?;
        match requested_pool {
            Some(requested) if requested != pool.name => Err(format!(
                "requested loadBalancer IP(s) [\"{ip}\"] is not compatible with requested address pool {requested}"
            )),
            _ => Ok((ip, pool.name.clone())),
        }
    }

    /// `Allocator.AllocateFromPool`: the annotation names the pool, which may
    /// be an `autoAssign: false` one.
    fn address_from_pool(&self, service: &str, pool: &str, wanted: &Wanted) -> Result<(Ipv4Addr, String), String> {
        let pool = self
            .pools
            .iter()
            .find(|candidate| candidate.name == pool)
            .ok_or_else(|| format!("unknown pool \"{pool}\""))?;
        let ip = self
            .first_usable(pool, service, wanted)
            .ok_or_else(|| format!("no available IPs in pool {}", pool.name))?;
        // The address found goes through `Assign`, which refuses a pool
        // whose `serviceAllocation` does not take the Service.
        pool.check_compatible(wanted)?;
        Ok((ip, pool.name.clone()))
    }

    /// `Allocator.Allocate`: first the pools pinned to the Service
    /// (`pinnedPoolsForService`: `autoAssign` pools whose
    /// `serviceAllocation` names its namespace or has Service selectors,
    /// and that take it, sorted by `sortPools`: priority 1, 2, ... then 0),
    /// then every `autoAssign` pool without a `serviceAllocation`; the first
    /// with a usable address serves. A pool with a `serviceAllocation` is
    /// never used for a Service it is not pinned to.
    fn automatic_address(&self, service: &str, wanted: &Wanted) -> Result<(Ipv4Addr, String), String> {
        let mut pinned: Vec<(&AddressPool, i32)> = self
            .pools
            .iter()
            .filter(|pool| pool.auto_assign && pool.compatible_with(wanted))
            .filter_map(|pool| {
                let allocation = pool.allocation.as_ref()?;
                let by_namespace = allocation.namespaces.contains(wanted.namespace);
                let by_selector = !allocation.service_selectors.is_empty();
                (by_namespace || by_selector).then_some((pool, allocation.priority))
            })
            .collect();
        // Lower priority values first; 0 (unset) after every set one.
        pinned.stable_sort_by_key(|&(_, priority)| if priority > 0 { (0, priority) } else { (1, 0) });
        let unpinned = self.pools.iter().filter(|pool| pool.auto_assign && pool.allocation.is_none());
        pinned
            .into_iter()
            .map(|(pool, _)| pool)
            .chain(unpinned)
            .find_map(|pool| Some((self.first_usable(pool, service, wanted)?, pool.name.clone())))
            .ok_or_else(|| "no available IPs".to_owned())
    }

    /// `getIPFromCIDR`: the first address, in the order the pool lists them,
    /// that is free *or* compatibly shared. MetalLB has no preference for an
    /// address already shared under the Service's key: a free address lower
    /// in the pool wins over it.
    fn first_usable(&self, pool: &AddressPool, service: &str, wanted: &Wanted) -> Option<Ipv4Addr> {
        // Each address in use, and whether another Service uses it: the
        // sharing check runs only on those, and not at all for a Service
        // without a sharing key (it would fail). Filling a pool with many
        // Services ran it on every address in use for every Service: cubic.
        let mut in_use: BTreeMap<Ipv4Addr, bool> = BTreeMap::new();
        for (name, allocation) in &self.allocations {
            *in_use.entry(allocation.assignment.ip).or_default() |= name != service;
        }
        pool.addresses().find(|ip| match in_use.get(ip) {
            None | Some(false) => true,
            Some(true) => wanted.sharing_key.is_some() && self.check_sharing(service, *ip, wanted).is_ok(),
        })
    }

    /// `checkSharing`: another Service on `ip` must have the same non-empty
    /// sharing key and the same backend key (`sharingOK`: "" for Cluster,
    /// the selector for Local, so a Local Service shares only with Local
    /// Services selecting the same pods), and none of its ports (protocol
    /// and number) may be ours.
    fn check_sharing(&self, service: &str, ip: Ipv4Addr, wanted: &Wanted) -> Result<(), String> {
        let others: Vec<(&String, &Allocation)> = self
            .allocations
            .iter()
            .filter(|(other, allocation)| allocation.assignment.ip == ip && other.as_str() != service)
            .collect();
        let Some((_, first)) = others.first() else {
            return Ok(());
        };
        let existing_key = first.assignment.sharing_key.as_deref();
        if existing_key.is_none() || existing_key != wanted.sharing_key || first.backend_key != wanted.backend_key {
            let names: Vec<&str> = others.iter().map(|(name, _)| name.as_str()).collect();
            return Err(format!(
                "can't change sharing key for \"{service}\", address also in use by {}",
                names.join(",")
            ));
        }
        for (protocol, port) in wanted.ports {
            let taken =
                others.iter().any(|(_, allocation)| allocation.ports.iter().any(|(p, n)| p == protocol && n == port));
            if taken {
                return Err(format!("port {protocol}/{port} is already in use on \"{ip}\""));
            }
        }
        Ok(())
    }

    /// `poolFor`: the pool whose CIDRs hold `ip` (an `avoidBuggyIPs` pool
    /// disowns its .0 and .255 addresses).
    fn pool_holding(&self, ip: Ipv4Addr) -> Option<&AddressPool> {
        self.pools.iter().find(|pool| pool.holds(ip))
    }
}

impl AddressPool {
    /// `addressPoolFromCR`, with config.go's error texts.
    /// The pools in order as the controller reads them: each that parses
    /// and fits beside those accepted before it, and the errors of the
    /// others (config.go's texts).
    fn parse_all(
        pools: &[(ObjectMeta, IpAddressPoolSpec)],
        namespaces: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> (Vec<AddressPool>, Vec<String>) {
        let mut accepted: Vec<AddressPool> = Vec::new();
        let mut errors = Vec::new();
        for (meta, spec) in pools {
            match AddressPool::parse(meta, spec, namespaces).and_then(|pool| pool.fits_beside(&accepted)) {
                Ok(pool) => accepted.push(pool),
                Err(error) => errors.push(error),
            }
        }
        (accepted, errors)
    }

    fn parse(
        meta: &ObjectMeta,
        spec: &IpAddressPoolSpec,
        namespaces: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> Result<AddressPool, String> {
        let name = &meta.name;
        let invalid = |reason: String| format!("parsing address pool {name}: {reason}");
        if spec.addresses.is_empty() {
            return Err(invalid("pool has no prefixes defined".to_owned()));
        }
        let mut cidrs = Vec::new();
        for entry in &spec.addresses {
            let parsed = parse_addresses(entry)
                .map_err(|reason| invalid(format!("invalid CIDR {entry:?} in pool {name:?}: {reason}")))?;
            cidrs.extend(parsed);
        }
        let allocation = match &spec.service_allocation {
            None => None,
            Some(wanted) => {
                let mut pinned = BTreeSet::new();
                for namespace in &wanted.namespaces {
                    if !pinned.insert(namespace.clone()) {
                        return Err(invalid("duplicate definition in namespaces field".to_owned()));
                    }
                }
                for (kind, selectors) in [
                    ("namespaceSelectors", &wanted.namespace_selectors),
                    ("serviceSelectors", &wanted.service_selectors),
                ] {
                    if let Some((i, _)) = selectors.iter().enumerate().find(|(i, s)| selectors[..*i].contains(s)) {
                        return Err(invalid(format!("duplicate definition of {kind} (entry {i})")));
                    }
                }
                for selector in &wanted.namespace_selectors {
                    pinned.extend(
                        namespaces.iter().filter(|(_, labels)| selector.matches(labels)).map(|(ns, _)| ns.clone()),
                    );
                }
                Some(PoolAllocation {
                    priority: wanted.priority,
                    namespaces: pinned,
                    service_selectors: wanted.service_selectors.clone(),
                })
            }
        };
        Ok(AddressPool {
            name: name.clone(),
            written: spec.addresses.clone(),
            cidrs,
            auto_assign: spec.auto_assign,
            avoid_buggy_ips: spec.avoid_buggy_ips,
            allocation,
        })
    }

    /// `isPoolCompatibleWithService`: a pool with `serviceAllocation`
    /// namespaces takes only Services in them, and one with Service
    /// selectors only Services one of them matches.
    fn compatible_with(&self, wanted: &Wanted) -> bool {
        let Some(allocation) = &self.allocation else { return true };
        if !allocation.namespaces.is_empty() && !allocation.namespaces.contains(wanted.namespace) {
            return false;
        }
        allocation.service_selectors.is_empty() || allocation.service_selectors.iter().any(|s| s.matches(wanted.labels))
    }

    /// `Assign`'s refusal of an incompatible pool, in allocator.go's words.
    fn check_compatible(&self, wanted: &Wanted) -> Result<(), String> {
        if self.compatible_with(wanted) {
            Ok(())
        } else {
            Err(format!("pool {} not compatible for ip assignment", self.name))
        }
    }

    /// `poolsFor`'s checks against the pools accepted before this one: unique
    /// name, and no CIDR overlapping one already defined (its own included).
    fn fits_beside(self, accepted: &[AddressPool]) -> Result<AddressPool, String> {
        if accepted.iter().any(|pool| pool.name == self.name) {
            return Err(format!("duplicate definition of pool {:?}", self.name));
        }
        let mut defined: Vec<Cidr> = accepted.iter().flat_map(|pool| pool.cidrs.iter().copied()).collect();
        for cidr in &self.cidrs {
            if let Some(existing) = defined.iter().find(|existing| existing.overlaps(*cidr)) {
                return Err(format!(
                    "CIDR \"{cidr}\" in pool {:?} overlaps with already defined CIDR \"{existing}\"",
                    self.name
                ));
            }
            defined.push(*cidr);
        }
        Ok(self)
    }

    fn holds(&self, ip: Ipv4Addr) -> bool {
        !(self.avoid_buggy_ips && confuses_buggy_firmware(ip)) && self.cidrs.iter().any(|cidr| cidr.contains(ip))
    }

    /// The pool's addresses in allocation order.
    fn addresses(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        self.cidrs
            .iter()
            .flat_map(|cidr| (0..cidr.size()).filter_map(|index| cidr.nth(index)))
            .filter(|ip| !(self.avoid_buggy_ips && confuses_buggy_firmware(*ip)))
    }

    fn capacity(&self) -> u64 {
        self.cidrs.iter().map(|cidr| cidr.size() - self.buggy_addresses_in(*cidr)).sum()
    }

    fn buggy_addresses_in(&self, cidr: Cidr) -> u64 {
        if !self.avoid_buggy_ips {
            0
        } else if cidr.prefix <= 24 {
            // Every /24 inside has one .0 and one .255.
            2 << (24 - cidr.prefix)
        } else {
            let ends: BTreeSet<Ipv4Addr> = [cidr.network(), cidr.broadcast()].into();
            ends.into_iter().filter(|ip| confuses_buggy_firmware(*ip)).count() as u64
        }
    }
}

/// `ipConfusesBuggyFirmwares`: addresses ending in .0 or .255 trip the
/// smurf protection of some consumer routers.
fn confuses_buggy_firmware(ip: Ipv4Addr) -> bool {
    matches!(ip.octets()[3], 0 | 255)
}

const IPV6_NOT_SIMULATED: &str = "IPv6 addresses are not simulated (vipsim is single-stack IPv4)";

/// config.go's `ParseCIDR`: an entry with a `-` is a range, else a CIDR
/// (whose host bits are masked off).
pub fn parse_addresses(entry: &str) -> Result<Vec<Cidr>, String> {
    let Some((start, end)) = entry.split_once('-') else {
        return parse_cidr(entry).map(|cidr| vec![cidr]);
    };
    let first = parse_range_end(entry, "start", start)?;
    let last = parse_range_end(entry, "end", end)?;
    if first > last {
        return Err(format!("invalid IP range {entry:?}: start IP \"{first}\" is after the end IP \"{last}\""));
    }
    Ok(covering_cidrs(first, last))
}

fn parse_cidr(entry: &str) -> Result<Cidr, String> {
    match Cidr::parse(entry) {
        Ok(cidr) => Ok(Cidr::new(cidr.network(), cidr.prefix)),
        Err(_) if is_ipv6_prefix(entry) => Err(IPV6_NOT_SIMULATED.to_owned()),
        Err(_) => Err(format!("invalid CIDR {entry:?}")),
    }
}

fn parse_range_end(entry: &str, which: &str, text: &str) -> Result<Ipv4Addr, String> {
    match text.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => Ok(ip),
        Ok(IpAddr::V6(_)) => Err(IPV6_NOT_SIMULATED.to_owned()),
        Err(_) => Err(format!("invalid IP range {entry:?}: invalid {which} IP {text:?}")),
    }
}

/// The fewest CIDRs covering `first..=last` exactly, lowest first (what
/// `ipaddr.Summarize` returns).
fn covering_cidrs(first: Ipv4Addr, last: Ipv4Addr) -> Vec<Cidr> {
    let (mut start, end) = (u64::from(u32::from(first)), u64::from(u32::from(last)));
    let mut cidrs = Vec::new();
    while start <= end {
        let mut host_bits = if start == 0 { 32 } else { start.trailing_zeros().min(32) };
        while (1u64 << host_bits) > end - start + 1 {
            host_bits -= 1;
        }
        let network = Ipv4Addr::from(start as u32);
        cidrs.push(Cidr::new(network, 32 - host_bits as u8));
        start += 1 << host_bits;
    }
    cidrs
}

/// The Service's requested IPv4 address (`getDesiredLbIPs` in
/// controller/service.go, with `ipfamily.ForAddresses` of
/// internal/ipfamily/ipfamily.go, MetalLB 0.14.9), with their error texts.
/// vipsim Services are single-stack IPv4, so a list is refused as MetalLB
/// refuses it on such a Service: two addresses of one family are "same
/// address family", an IPv4 and an IPv6 address (dual stack) or an IPv6
/// one do not match the Service's family (`allocateIPs`).
fn requested_ip(req: &IpRequest) -> Result<Option<Ipv4Addr>, String> {
    let annotated = req.annotation(&LOAD_BALANCER_IPS).filter(|list| !list.is_empty());
    let spec = req.load_balancer_ip.filter(|ip| !ip.is_empty());
    match (annotated, spec) {
        (None, None) => Ok(None),
        (Some(_), Some(_)) => {
            Err(format!("service can not have both {} and svc.Spec.LoadBalancerIP", LOAD_BALANCER_IPS[0]))
        }
        (Some(list), None) => {
            let parsed: Option<Vec<IpAddr>> = list.split(',').map(|ip| ip.trim().parse().ok()).collect();
            let ips = parsed.ok_or_else(|| format!("invalid {}: {list:?}", LOAD_BALANCER_IPS[0]))?;
            match ips.as_slice() {
                [_] => ipv4_of(&ips).map(Some),
                [a, b] if a.is_ipv4() == b.is_ipv4() => {
                    Err(format!("IPFamilyForAddresses: same address family {}", go_quoted(&ips)))
                }
                [_, _] => Err(mismatched_family(&ips)),
                _ => Err(format!("IPFamilyForAddresses: invalid ips length {} {}", ips.len(), go_quoted(&ips))),
            }
        }
        (None, Some(text)) => {
            let ip: IpAddr = text.parse().map_err(|_| format!("invalid spec.loadBalancerIP {text:?}"))?;
            ipv4_of(&[ip]).map(Some)
        }
    }
}

fn ipv4_of(ips: &[IpAddr]) -> Result<Ipv4Addr, String> {
    match ips {
        [IpAddr::V4(v4)] => Ok(*v4),
        _ => Err(mismatched_family(ips)),
    }
}

fn mismatched_family(ips: &[IpAddr]) -> String {
    format!("requested loadBalancer IP(s) {} does not match the ipFamily of the service", go_quoted(ips))
}

/// Go's `%q` of a slice of addresses: `["a" "b"]`.
fn go_quoted(ips: &[IpAddr]) -> String {
    let quoted: Vec<String> = ips.iter().map(|ip| format!("\"{ip}\"")).collect();
    format!("[{}]", quoted.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    fn pool(name: &str, addresses: &[&str]) -> (ObjectMeta, IpAddressPoolSpec) {
        let meta =
            ObjectMeta { name: name.to_owned(), namespace: Some("metallb-system".to_owned()), ..ObjectMeta::default() };
        let spec = IpAddressPoolSpec {
            addresses: addresses.iter().map(|address| address.to_string()).collect(),
            auto_assign: true,
            avoid_buggy_ips: false,
            service_allocation: None,
        };
        (meta, spec)
    }

    /// The controller reprocesses every Service when its pools change, and
    /// its configuration keeps the addresses as written
    /// (`cidrsPerAddresses`, internal/config/config.go, 0.14.9): a range
    /// written again as the CIDR it covers is a change; the same pools
    /// again are not.
    #[test]
    fn a_pool_written_otherwise_is_a_change_and_the_same_pool_is_not() {
        let mut ipam = MetalLbIpam::default();
        let none = BTreeMap::new();
        ipam.set_pools(&[pool("p", &["10.0.0.200-10.0.0.201"])], &none);
        assert!(ipam.take_reprocess(), "the first pools");
        ipam.set_pools(&[pool("p", &["10.0.0.200-10.0.0.201"])], &none);
        assert!(!ipam.take_reprocess(), "the same pools");
        ipam.set_pools(&[pool("p", &["10.0.0.200/31"])], &none);
        assert!(ipam.take_reprocess(), "the same addresses, written as a CIDR");
    }

    fn manual(mut pool: (ObjectMeta, IpAddressPoolSpec)) -> (ObjectMeta, IpAddressPoolSpec) {
        pool.1.auto_assign = false;
        pool
    }

    fn avoiding_buggy_ips(mut pool: (ObjectMeta, IpAddressPoolSpec)) -> (ObjectMeta, IpAddressPoolSpec) {
        pool.1.avoid_buggy_ips = true;
        pool
    }

    use crate::k8s::ipam::test_service::Svc;

    /// The annotation that lets Services share an address.
    trait Shared {
        fn shared(self, key: &str) -> Svc;
    }
    impl Shared for Svc {
        fn shared(self, key: &str) -> Svc {
            self.annotate("metallb.io/allow-shared-ip", key)
        }
    }

    fn assigned_ip(ipam: &mut MetalLbIpam, svc: &Svc) -> Ipv4Addr {
        ipam.assign(&svc.request()).unwrap().ip
    }

    fn failure(ipam: &mut MetalLbIpam, svc: &Svc) -> String {
        ipam.assign(&svc.request()).unwrap_err().message
    }

    #[test]
    fn story_c_pool_hands_out_10_then_11_and_counts_down() {
        let mut ipam = MetalLbIpam::default();
        assert!(ipam.set_pools(&[pool("demo-pool", &["192.0.2.10-192.0.2.50"])], &BTreeMap::new()).is_empty());
        assert_eq!(ipam.pool_usage("demo-pool"), Some((0, 41)));

        let web = ipam.assign(&Svc::new("web").request()).unwrap();
        assert_eq!(web, Assignment { ip: ip("192.0.2.10"), pool: "demo-pool".to_owned(), sharing_key: None });
        assert_eq!(web.event_message(), "Assigned IP [\"192.0.2.10\"]");
        assert_eq!(ipam.pool_usage("demo-pool"), Some((1, 40)));

        assert_eq!(assigned_ip(&mut ipam, &Svc::new("cilium-gateway-gw")), ip("192.0.2.11"));
        assert_eq!(ipam.pool_usage("demo-pool"), Some((2, 39)));
        assert_eq!(ipam.pool_of(ip("192.0.2.11")), Some("demo-pool"));
        assert_eq!(ipam.pool_of(ip("192.0.2.51")), None);
    }

    #[test]
    fn assign_is_idempotent() {
        let mut ipam = MetalLbIpam::default();
        ipam.set_pools(&[pool("lan", &["192.168.1.200/29"])], &BTreeMap::new());
        let web = Svc::new("web");
        let first = ipam.assign(&web.request()).unwrap();
        assert_eq!(ipam.assign(&web.request()), Ok(first.clone()));
        assert_eq!(ipam.assignment("default/web"), Some(&first));
        assert_eq!(ipam.pool_usage("lan"), Some((1, 7)));
    }

    #[test]
    fn without_pools_metallb_records_no_event_and_without_an_eligible_pool_it_fails() {
        // service.go convergeBalancer: "pools are empty" is only logged, no
        // event; allocator.go Allocate: "no available IPs" becomes the
        // AllocationFailed event.
        let mut ipam = MetalLbIpam::default();
        assert_eq!(failure(&mut ipam, &Svc::new("web")), "pools are empty");
        ipam.set_pools(&[manual(pool("reserved", &["192.168.1.240/28"]))], &BTreeMap::new());
        assert_eq!(failure(&mut ipam, &Svc::new("web")), "Failed to allocate IP for \"default/web\": no available IPs");
        assert_eq!(ipam.assignment("default/web"), None);
    }

    #[test]
    fn pool_annotation_selects_the_pool_and_must_agree_with_a_requested_ip() {
        // MetalLB's per-Service pool selection is the address-pool annotation
        // (service.go allocateIPs); an unknown name fails AllocateFromPool.
        let mut ipam = MetalLbIpam::default();
        ipam.set_pools(
            &[pool("general", &["192.168.1.200/29"]), pool("gold", &["192.168.1.240/29"])],
            &BTreeMap::new(),
        );
        let gold = Svc::new("gold").annotate("metallb.universe.tf/address-pool", "gold");
        assert_eq!(ipam.assign(&gold.request()).unwrap().pool, "gold");
        let platinum = Svc::new("platinum").annotate("metallb.io/address-pool", "platinum");
        assert_eq!(
            failure(&mut ipam, &platinum),
            "Failed to allocate IP for \"default/platinum\": unknown pool \"platinum\""
        );
        let mismatch =
            Svc::new("mismatch").annotate("metallb.io/address-pool", "gold").load_balancer_ip("192.168.1.201");
        assert_eq!(
            failure(&mut ipam, &mismatch),
            "Failed to allocate IP for \"default/mismatch\": requested loadBalancer IP(s) [\"192.168.1.201\"] is not compatible with requested address pool gold"
        );
        assert_eq!(ipam.assignment("default/mismatch"), None);
    }

    #[test]
    fn exhausted_pools_fail_with_metallbs_wording() {
        let mut ipam = MetalLbIpam::default();
        ipam.set_pools(&[pool("tiny", &["10.0.0.0/31"])], &BTreeMap::new());
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("a")), ip("10.0.0.0"));
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("b")), ip("10.0.0.1"));
        assert_eq!(failure(&mut ipam, &Svc::new("c")), "Failed to allocate IP for \"default/c\": no available IPs");
        let pinned = Svc::new("d").annotate("metallb.io/address-pool", "tiny");
        assert_eq!(
            failure(&mut ipam, &pinned),
            "Failed to allocate IP for \"default/d\": no available IPs in pool tiny"
        );
        assert_eq!(ipam.pool_usage("tiny"), Some((2, 0)));
    }

    #[test]
    fn requested_ip_inside_outside_and_taken() {
        let mut ipam = MetalLbIpam::default();
        ipam.set_pools(&[pool("lan", &["192.168.1.200-192.168.1.210"])], &BTreeMap::new());

        let inside = Svc::new("web").load_balancer_ip("192.168.1.205");
        assert_eq!(assigned_ip(&mut ipam, &inside), ip("192.168.1.205"));
        // The annotation (either prefix) lists addresses: one IPv4 address
        // on vipsim's single-stack Services; a dual-stack pair does not
        // match the Service's family, two IPv4 ones are refused by
        // ipfamily.ForAddresses.
        let listed = Svc::new("api").annotate("metallb.universe.tf/loadBalancerIPs", " 192.168.1.207");
        assert_eq!(assigned_ip(&mut ipam, &listed), ip("192.168.1.207"));
        let dual = Svc::new("dual").annotate("metallb.universe.tf/loadBalancerIPs", "fd00::5, 192.168.1.208");
        assert_eq!(
            failure(&mut ipam, &dual),
            "Failed to allocate IP for \"default/dual\": requested loadBalancer IP(s) [\"fd00::5\" \"192.168.1.208\"] does not match the ipFamily of the service"
        );
        let two = Svc::new("two").annotate("metallb.io/loadBalancerIPs", "192.168.1.208,192.168.1.209");
        assert_eq!(
            failure(&mut ipam, &two),
            "Failed to allocate IP for \"default/two\": IPFamilyForAddresses: same address family [\"192.168.1.208\" \"192.168.1.209\"]"
        );

        let outside = Svc::new("far").load_balancer_ip("10.9.9.9");
        assert_eq!(
            failure(&mut ipam, &outside),
            "Failed to allocate IP for \"default/far\": [\"10.9.9.9\"] is not allowed in config"
        );
        let taken = Svc::new("copycat").load_balancer_ip("192.168.1.205");
        assert_eq!(
            failure(&mut ipam, &taken),
            "Failed to allocate IP for \"default/copycat\": can't change sharing key for \"default/copycat\", address also in use by default/web"
        );

        let both =
            Svc::new("both").load_balancer_ip("192.168.1.201").annotate("metallb.io/loadBalancerIPs", "192.168.1.202");
        assert_eq!(
            failure(&mut ipam, &both),
            "Failed to allocate IP for \"default/both\": service can not have both metallb.io/loadBalancerIPs and svc.Spec.LoadBalancerIP"
        );
        let garbage = Svc::new("garbage").load_balancer_ip("banana");
        assert_eq!(
            failure(&mut ipam, &garbage),
            "Failed to allocate IP for \"default/garbage\": invalid spec.loadBalancerIP \"banana\""
        );
        let v6 = Svc::new("v6").annotate("metallb.io/loadBalancerIPs", "fd00::5");
        assert_eq!(
            failure(&mut ipam, &v6),
            "Failed to allocate IP for \"default/v6\": requested loadBalancer IP(s) [\"fd00::5\"] does not match the ipFamily of the service"
        );

        // A new request moves the Service; the old address is freed.
        let moved = Svc::new("web").load_balancer_ip("192.168.1.209");
        assert_eq!(assigned_ip(&mut ipam, &moved), ip("192.168.1.209"));
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("next")), ip("192.168.1.200"));
        assert_eq!(assigned_ip(&mut ipam, &taken), ip("192.168.1.205"));
    }

    #[test]
    fn sharing_needs_the_same_key_and_distinct_protocol_ports() {
        // allocator.go checkSharing: same non-empty key, and no (protocol,
        // port) pair in use by another Service on that address.
        let mut ipam = MetalLbIpam::default();
        ipam.set_pools(&[pool("lan", &["192.168.1.200/29"])], &BTreeMap::new());
        let dns_udp = Svc::new("dns-udp").shared("dns").ports(&[("UDP", 53)]);
        let dns_tcp = Svc::new("dns-tcp").shared("dns").ports(&[("TCP", 53)]);
        let vip = assigned_ip(&mut ipam, &dns_udp);
        assert_eq!(assigned_ip(&mut ipam, &dns_tcp), vip);
        assert_eq!(ipam.assignment("default/dns-tcp").unwrap().sharing_key.as_deref(), Some("dns"));
        assert_eq!(ipam.pool_usage("lan"), Some((1, 7)));

        // Automatic allocation skips an address whose port is taken.
        let clash = Svc::new("dns-tcp-2").shared("dns").ports(&[("TCP", 53)]);
        assert_eq!(assigned_ip(&mut ipam, &clash), ip("192.168.1.201"));
        // A requested address reports the clash.
        let pinned = Svc::new("dns-tcp-3").shared("dns").ports(&[("TCP", 53)]).load_balancer_ip("192.168.1.200");
        assert_eq!(
            failure(&mut ipam, &pinned),
            "Failed to allocate IP for \"default/dns-tcp-3\": port TCP/53 is already in use on \"192.168.1.200\""
        );
        let other_key = Svc::new("web").shared("web").load_balancer_ip("192.168.1.200");
        assert_eq!(
            failure(&mut ipam, &other_key),
            "Failed to allocate IP for \"default/web\": can't change sharing key for \"default/web\", address also in use by default/dns-tcp,default/dns-udp"
        );

        // The shared address stays in use until its last holder leaves.
        ipam.release("default/dns-udp");
        assert!(failure(&mut ipam, &other_key).ends_with("address also in use by default/dns-tcp"));
        ipam.release("default/dns-tcp");
        assert_eq!(assigned_ip(&mut ipam, &other_key), ip("192.168.1.200"));
    }

    #[test]
    fn automatic_allocation_prefers_the_lowest_usable_address_not_the_shared_one() {
        // getIPFromCIDR walks the pool from its first address and takes the
        // first that checkSharing accepts: a free address below the one
        // already shared under the key wins.
        let mut ipam = MetalLbIpam::default();
        ipam.set_pools(&[pool("lan", &["192.168.1.200/29"])], &BTreeMap::new());
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("blocker")), ip("192.168.1.200"));
        let http = Svc::new("http").shared("edge");
        assert_eq!(assigned_ip(&mut ipam, &http), ip("192.168.1.201"));
        let https = Svc::new("https").shared("edge").ports(&[("TCP", 443)]);
        assert_eq!(assigned_ip(&mut ipam, &https), ip("192.168.1.201"));
        ipam.release("default/blocker");
        let ssh = Svc::new("ssh").shared("edge").ports(&[("TCP", 22)]);
        assert_eq!(assigned_ip(&mut ipam, &ssh), ip("192.168.1.200"));
    }

    #[test]
    fn avoid_buggy_ips_skips_dot_0_and_dot_255_of_a_24() {
        let mut ipam = MetalLbIpam::default();
        ipam.set_pools(&[avoiding_buggy_ips(pool("home", &["192.168.10.0/24"]))], &BTreeMap::new());
        assert_eq!(ipam.pool_usage("home"), Some((0, 254)));
        let dot_zero = Svc::new("zero").load_balancer_ip("192.168.10.0");
        assert_eq!(
            failure(&mut ipam, &dot_zero),
            "Failed to allocate IP for \"default/zero\": [\"192.168.10.0\"] is not allowed in config"
        );
        assert_eq!(ipam.pool_of(ip("192.168.10.255")), None);

        let assigned: Vec<Ipv4Addr> =
            (0..254).map(|n| assigned_ip(&mut ipam, &Svc::new(&format!("svc-{n}")))).collect();
        assert_eq!(assigned.first(), Some(&ip("192.168.10.1")));
        assert_eq!(assigned.last(), Some(&ip("192.168.10.254")));
        assert_eq!(
            failure(&mut ipam, &Svc::new("one-more")),
            "Failed to allocate IP for \"default/one-more\": no available IPs"
        );
        assert_eq!(ipam.pool_usage("home"), Some((254, 0)));

        // Across a /24 boundary inside a range, both .255 and .0 are skipped.
        let mut ipam = MetalLbIpam::default();
        ipam.set_pools(&[avoiding_buggy_ips(pool("span", &["192.168.10.253-192.168.11.1"]))], &BTreeMap::new());
        assert_eq!(ipam.pool_usage("span"), Some((0, 3)));
        let assigned: Vec<Ipv4Addr> =
            ["a", "b", "c"].iter().map(|name| assigned_ip(&mut ipam, &Svc::new(name))).collect();
        assert_eq!(assigned, [ip("192.168.10.253"), ip("192.168.10.254"), ip("192.168.11.1")]);
    }

    #[test]
    fn auto_assign_false_pools_serve_only_explicit_requests() {
        let mut ipam = MetalLbIpam::default();
        ipam.set_pools(
            &[manual(pool("reserved", &["192.168.1.240/29"])), pool("general", &["192.168.1.200/29"])],
            &BTreeMap::new(),
        );
        assert_eq!(ipam.assign(&Svc::new("web").request()).unwrap().pool, "general");
        let by_pool = Svc::new("db").annotate("metallb.io/address-pool", "reserved");
        assert_eq!(assigned_ip(&mut ipam, &by_pool), ip("192.168.1.240"));
        let by_ip = Svc::new("vpn").load_balancer_ip("192.168.1.245");
        assert_eq!(ipam.assign(&by_ip.request()).unwrap().pool, "reserved");
    }

    #[test]
    fn metallb_has_no_disabled_pool_and_turning_auto_assign_off_keeps_existing_addresses() {
        // IPAddressPool has no `disabled`; the nearest is autoAssign: false,
        // and Allocator.Assign (which re-validates a held address) does not
        // look at autoAssign, so a Service keeps what it has.
        let mut ipam = MetalLbIpam::default();
        ipam.set_pools(&[pool("lan", &["192.168.1.200/30"])], &BTreeMap::new());
        let held = ipam.assign(&Svc::new("web").request()).unwrap();
        ipam.set_pools(&[manual(pool("lan", &["192.168.1.200/30"]))], &BTreeMap::new());
        assert_eq!(ipam.assign(&Svc::new("web").request()), Ok(held));
        assert_eq!(failure(&mut ipam, &Svc::new("new")), "Failed to allocate IP for \"default/new\": no available IPs");
    }

    #[test]
    fn pools_are_tried_in_apply_order() {
        // allocator.go Allocate ranges over a Go map, so upstream order is
        // unspecified; vipsim uses apply order, not names.
        let mut ipam = MetalLbIpam::default();
        ipam.set_pools(&[pool("zeta", &["10.0.2.0/31"]), pool("alpha", &["10.0.1.0/24"])], &BTreeMap::new());
        assert_eq!(ipam.pool_names(), ["zeta", "alpha"]);
        let assigned: Vec<Assignment> =
            ["a", "b", "c"].iter().map(|name| ipam.assign(&Svc::new(name).request()).unwrap()).collect();
        let pools: Vec<&str> = assigned.iter().map(|assignment| assignment.pool.as_str()).collect();
        assert_eq!(pools, ["zeta", "zeta", "alpha"]);
        assert_eq!(assigned[2].ip, ip("10.0.1.0"));
    }

    #[test]
    fn overlapping_or_duplicate_pools_are_rejected_and_skipped() {
        let mut ipam = MetalLbIpam::default();
        let errors = ipam.set_pools(
            &[
                pool("first", &["192.168.1.0/24"]),
                pool("second", &["10.0.0.0/24", "192.168.1.128-192.168.1.255"]),
                pool("first", &["10.1.0.0/24"]),
                pool("self-overlap", &["10.2.0.0/24", "10.2.0.10/32"]),
                pool("third", &["10.0.0.0/24"]),
            ],
            &BTreeMap::new(),
        );
        assert_eq!(
            errors,
            [
                "CIDR \"192.168.1.128/25\" in pool \"second\" overlaps with already defined CIDR \"192.168.1.0/24\"",
                "duplicate definition of pool \"first\"",
                "CIDR \"10.2.0.10/32\" in pool \"self-overlap\" overlaps with already defined CIDR \"10.2.0.0/24\"",
            ]
        );
        assert_eq!(ipam.pool_names(), ["first", "third"]);
    }

    #[test]
    fn release_then_reassign_takes_the_lowest_free_address() {
        let mut ipam = MetalLbIpam::default();
        ipam.set_pools(&[pool("lan", &["192.168.1.200/29"])], &BTreeMap::new());
        for name in ["a", "b", "c"] {
            assigned_ip(&mut ipam, &Svc::new(name));
        }
        ipam.release("default/b");
        ipam.release("default/nonexistent");
        assert_eq!(ipam.assignment("default/b"), None);
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("d")), ip("192.168.1.201"));
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("e")), ip("192.168.1.203"));
    }

    #[test]
    fn a_pool_change_drops_assignments_it_invalidates() {
        let mut ipam = MetalLbIpam::default();
        ipam.set_pools(&[pool("lan", &["192.168.1.0/24"])], &BTreeMap::new());
        let web = Svc::new("web").load_balancer_ip("192.168.1.0");
        assert_eq!(assigned_ip(&mut ipam, &web), ip("192.168.1.0"));
        let api = Svc::new("api");
        assert_eq!(assigned_ip(&mut ipam, &api), ip("192.168.1.1"));

        // Same addresses under a new name: kept, re-labelled (SetPools re-homes).
        ipam.set_pools(&[pool("office", &["192.168.1.0/24"])], &BTreeMap::new());
        assert_eq!(ipam.assignment("default/api").map(|a| a.pool.as_str()), Some("office"));

        // avoidBuggyIPs now disowns .0: dropped at once, and the request
        // for it can no longer be met.
        ipam.set_pools(&[avoiding_buggy_ips(pool("office", &["192.168.1.0/24"]))], &BTreeMap::new());
        assert_eq!(ipam.assignment("default/web"), None);
        assert_eq!(ipam.assignment("default/api").map(|a| a.ip), Some(ip("192.168.1.1")));
        assert!(failure(&mut ipam, &web).ends_with("[\"192.168.1.0\"] is not allowed in config"));

        // The pool shrinks away from .1: the next assign re-allocates.
        ipam.set_pools(&[pool("office", &["192.168.1.128/25"])], &BTreeMap::new());
        assert_eq!(ipam.assignment("default/api"), None);
        assert_eq!(assigned_ip(&mut ipam, &api), ip("192.168.1.128"));
        assert_eq!(ipam.pool_usage("office"), Some((1, 127)));

        // Removing every pool clears the Service too.
        ipam.set_pools(&[], &BTreeMap::new());
        assert_eq!(failure(&mut ipam, &api), "pools are empty");
        assert_eq!(ipam.assignment("default/api"), None);
    }

    #[test]
    fn a_changed_pool_annotation_or_a_new_port_clash_moves_the_service() {
        // convergeBalancer clears the address when the pool annotation names
        // another pool, or when Assign (checkSharing) rejects the Service's
        // current ports, then allocates afresh.
        let mut ipam = MetalLbIpam::default();
        ipam.set_pools(&[pool("a", &["10.0.1.0/30"]), pool("b", &["10.0.2.0/30"])], &BTreeMap::new());
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("web")), ip("10.0.1.0"));
        let to_b = Svc::new("web").annotate("metallb.io/address-pool", "b");
        assert_eq!(assigned_ip(&mut ipam, &to_b), ip("10.0.2.0"));
        assert_eq!(ipam.pool_usage("a"), Some((0, 4)));

        let http = Svc::new("http").shared("edge");
        let https = Svc::new("https").shared("edge").ports(&[("TCP", 443)]);
        assert_eq!(assigned_ip(&mut ipam, &http), ip("10.0.1.0"));
        assert_eq!(assigned_ip(&mut ipam, &https), ip("10.0.1.0"));
        let https_now_on_80 = Svc::new("https").shared("edge").ports(&[("TCP", 443), ("TCP", 80)]);
        assert_eq!(assigned_ip(&mut ipam, &https_now_on_80), ip("10.0.1.1"));
    }

    #[test]
    fn services_of_another_load_balancer_class_are_not_handled() {
        let mut ipam = MetalLbIpam::default();
        ipam.set_pools(&[pool("lan", &["192.168.1.200/29"])], &BTreeMap::new());
        let cilium = Svc::new("cilium").class("io.cilium/l2-announcer");
        assert!(!ipam.handles(Some("io.cilium/l2-announcer")));
        assert_eq!(
            failure(&mut ipam, &cilium),
            "MetalLB ignores Service \"default/cilium\": it has loadBalancerClass \"io.cilium/l2-announcer\" and MetalLB (no --lb-class) handles only Services without one"
        );
        assert_eq!(ipam.assignment("default/cilium"), None);

        ipam.set_load_balancer_class(Some("metallb"));
        assert_eq!(
            failure(&mut ipam, &Svc::new("plain")),
            "MetalLB ignores Service \"default/plain\": it has no loadBalancerClass and MetalLB runs with --lb-class=metallb"
        );
        assert_eq!(
            failure(&mut ipam, &cilium),
            "MetalLB ignores Service \"default/cilium\": it has loadBalancerClass \"io.cilium/l2-announcer\" and MetalLB runs with --lb-class=metallb"
        );
        assert_eq!(assigned_ip(&mut ipam, &Svc::new("ours").class("metallb")), ip("192.168.1.200"));
    }

    #[test]
    fn malformed_addresses_give_config_go_errors() {
        let mut ipam = MetalLbIpam::default();
        let errors = ipam.set_pools(
            &[
                pool("empty", &[]),
                pool("no-prefix", &["192.168.1.10"]),
                pool("bad-start", &["192.168.1.x-192.168.1.20"]),
                pool("bad-end", &["192.168.1.10- nope"]),
                pool("backwards", &["192.168.1.20-192.168.1.10"]),
                pool("v6", &["fd00::/120"]),
                pool("v6-range", &["fd00::1-fd00::9"]),
                pool("good", &["192.168.1.10/31", "192.168.1.12-192.168.1.14"]),
            ],
            &BTreeMap::new(),
        );
        assert_eq!(
            errors,
            [
                "parsing address pool empty: pool has no prefixes defined",
                "parsing address pool no-prefix: invalid CIDR \"192.168.1.10\" in pool \"no-prefix\": invalid CIDR \"192.168.1.10\"",
                "parsing address pool bad-start: invalid CIDR \"192.168.1.x-192.168.1.20\" in pool \"bad-start\": invalid IP range \"192.168.1.x-192.168.1.20\": invalid start IP \"192.168.1.x\"",
                "parsing address pool bad-end: invalid CIDR \"192.168.1.10- nope\" in pool \"bad-end\": invalid IP range \"192.168.1.10- nope\": invalid end IP \" nope\"",
                "parsing address pool backwards: invalid CIDR \"192.168.1.20-192.168.1.10\" in pool \"backwards\": invalid IP range \"192.168.1.20-192.168.1.10\": start IP \"192.168.1.20\" is after the end IP \"192.168.1.10\"",
                "parsing address pool v6: invalid CIDR \"fd00::/120\" in pool \"v6\": IPv6 addresses are not simulated (vipsim is single-stack IPv4)",
                "parsing address pool v6-range: invalid CIDR \"fd00::1-fd00::9\" in pool \"v6-range\": IPv6 addresses are not simulated (vipsim is single-stack IPv4)",
            ]
        );
        assert_eq!(ipam.pool_names(), ["good"]);
        assert_eq!(ipam.pool_usage("good"), Some((0, 5)));
    }

    #[test]
    fn ranges_become_the_covering_cidrs() {
        let cidrs: Vec<String> =
            covering_cidrs(ip("192.168.1.10"), ip("192.168.1.20")).iter().map(Cidr::to_string).collect();
        assert_eq!(cidrs, ["192.168.1.10/31", "192.168.1.12/30", "192.168.1.16/30", "192.168.1.20/32"]);
        assert_eq!(covering_cidrs(ip("0.0.0.0"), ip("255.255.255.255")), [Cidr::new(ip("0.0.0.0"), 0)]);
    }
}
