//! Cost of the NETPOL controls on the shared corpus, against the whole catalog.
//! The NETPOL controls share one NetworkPolicy model per scan (cached by
//! content); this measures what the group and each control cost next to one
//! model build (a measurement, not a pass/fail check: timings on a shared
//! machine are too noisy for a threshold). Run it with
//! `cargo test --release -p eksguard-controls --test netpol_timing -- --ignored --nocapture`.

use eksguard_controls::{Config, Context, Sink};
use eksguard_core::Inventory;
use std::path::Path;
use std::time::{Duration, Instant};

fn best_of<F: FnMut()>(runs: usize, mut f: F) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

#[test]
#[ignore = "timing on the shared corpus; run with --release --ignored --nocapture"]
fn netpol_controls_cost_on_the_corpus() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/k8s-corpus");
    assert!(
        corpus.is_dir(),
        "shared corpus not found at {}",
        corpus.display()
    );
    let (inputs, _) = eksguard_files::discover(&[corpus]);
    let opts = eksguard_files::ReadOptions::default();
    let objects: Vec<_> = inputs
        .iter()
        .flat_map(|i| eksguard_files::load(i, &opts).objects)
        .collect();
    let n = objects.len();
    let inv = Inventory::new(objects);
    let config = Config::default();
    let ctx = Context::new(&config);

    let netpol: Vec<_> = eksguard_controls::all()
        .iter()
        .filter(|c| c.meta().id.starts_with("NETPOL-0"))
        .collect();
    assert_eq!(netpol.len(), 11);
    let mut findings = 0;
    let group = best_of(5, || {
        let mut sink = Sink::new();
        for c in &netpol {
            c.check_inventory(&inv, &ctx, &mut sink);
        }
        findings = sink.len();
    });
    for c in &netpol {
        let t = best_of(3, || {
            let mut sink = Sink::new();
            c.check_inventory(&inv, &ctx, &mut sink);
        });
        println!("{} {:.1} ms", c.meta().id, t.as_secs_f64() * 1e3);
    }
    let model = best_of(5, || {
        std::hint::black_box(eksguard_netpol::Cluster::from_objects(
            inv.objects().iter().map(|o| &o.raw),
        ));
    });
    let all = best_of(3, || {
        let mut sink = Sink::new();
        eksguard_controls::check_inventory(&inv, &ctx, &mut sink);
    });
    println!(
        "{n} objects: NETPOL-001..011 {:.1} ms ({findings} findings), one model build {:.1} ms, all inventory controls {:.1} ms",
        group.as_secs_f64() * 1e3,
        model.as_secs_f64() * 1e3,
        all.as_secs_f64() * 1e3
    );
}
