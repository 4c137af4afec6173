use std::rc::Rc;
use vipsim::{catalog, scenario::load, sim::timeline::Run, time::Instant};
#[test]
fn probe() {
    for (id, t) in [("cilium-lb-ipam", 30), ("bgp-ecmp", 10), ("bgp-ecmp", 25), ("bgp-ecmp", 30)] {
        let s = catalog::find(id).unwrap();
        let sc = Rc::new(load::load(s.file, s.yaml).unwrap());
        let mut run = Run::new(sc, None, None, None).unwrap();
        run.seek_time(Instant::from_secs(t));
        let w = run.world();
        println!("{id}@{t}: announcers {:?}", w.cluster.announcers);
        println!("  leases {:?}", w.cluster.leases.iter().map(|(k, l)| (k, &l.holder)).collect::<Vec<_>>());
        println!("  bgp {:?}", w.cluster.bgp.iter().map(|(k, b)| (k, b.state, &b.advertised)).collect::<Vec<_>>());
        for h in &w.net.hosts {
            if !h.announce.is_empty() {
                println!("  host {} announce {:?}", h.name, h.announce.keys().collect::<Vec<_>>());
            }
        }
        for h in w.net.hosts.iter().filter(|h| h.role == vipsim::net::Role::Router) {
            println!("  routes {:?}", h.routes.iter().map(|r| (r.dst, &r.via, r.origin)).collect::<Vec<_>>());
        }
    }
}
