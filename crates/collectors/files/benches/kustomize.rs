//! Rendering a repository of many kustomizations: a base and N overlays
//! (default 100) with a patch each, generated under the temporary
//! directory, discovered and rendered as `eksguard scan` does. Prints the
//! median of a few runs; the target is 3 s for 100 on 2 cores.
//!
//! ```sh
//! cargo bench -p eksguard-files --bench kustomize            # 100 overlays
//! EKSGUARD_BENCH_OVERLAYS=300 cargo bench -p eksguard-files --bench kustomize
//! EKSGUARD_BENCH_BASELINE=1 cargo bench -p eksguard-files --bench kustomize  # also one `kubectl kustomize` per overlay, in turn
//! ```
//!
//! Needs kubectl (or kustomize) on PATH.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn generate(root: &Path, overlays: usize) {
    write(
        &root.join("base/kustomization.yaml"),
        "resources:\n  - deployment.yaml\n  - service.yaml\n",
    );
    write(
        &root.join("base/deployment.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: public.ecr.aws/nginx/nginx:1.27.0\n          securityContext:\n            allowPrivilegeEscalation: true\n",
    );
    write(
        &root.join("base/service.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n",
    );
    for i in 0..overlays {
        write(
            &root.join(format!("overlays/team-{i:03}/kustomization.yaml")),
            &format!(
                "namespace: team-{i:03}\nresources:\n  - ../../base\npatches:\n  - target: {{kind: Deployment, name: web}}\n    patch: |\n      - op: replace\n        path: /spec/template/spec/containers/0/image\n        value: public.ecr.aws/nginx/nginx:1.{i}.0\n"
            ),
        );
    }
}

fn main() {
    let overlays: usize = std::env::var("EKSGUARD_BENCH_OVERLAYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let root =
        std::env::temp_dir().join(format!("eksguard-bench-kustomize-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    generate(&root, overlays);
    let opts = eksguard_files::ReadOptions::default();
    let mut times = Vec::new();
    let mut objects = 0;
    for _ in 0..5 {
        let start = Instant::now();
        let (inputs, _) = eksguard_files::discover(&[root.join("overlays")]);
        let rendered = eksguard_files::render(&inputs, &opts);
        times.push(start.elapsed());
        objects = rendered
            .iter()
            .flatten()
            .map(|l| l.objects.len())
            .sum::<usize>();
        let errors: Vec<_> = rendered.iter().flatten().flat_map(|l| &l.errors).collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(inputs.len(), overlays);
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "kustomize: {overlays} overlays of one base rendered in {:.2} s (median of {}; {objects} objects; {} threads)",
        median.as_secs_f64(),
        times.len(),
        rayon::current_num_threads()
    );
    if std::env::var_os("EKSGUARD_BENCH_BASELINE").is_some() {
        let start = Instant::now();
        let dirs: Vec<PathBuf> = (0..overlays)
            .map(|i| root.join(format!("overlays/team-{i:03}")))
            .collect();
        for d in &dirs {
            let out = std::process::Command::new("kubectl")
                .arg("kustomize")
                .arg(d)
                .output()
                .unwrap();
            assert!(out.status.success());
        }
        let t: Duration = start.elapsed();
        println!(
            "baseline: one `kubectl kustomize` per overlay, in turn: {:.2} s",
            t.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}
