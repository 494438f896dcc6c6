//! Rendering many kustomizations in one kubectl run must give each the
//! objects, text and line numbers `kubectl kustomize DIR` gives it: the
//! kinds kustomize never prefixes (Namespace, CRD, APIService), generated
//! ConfigMaps with their hash suffix, name prefixes, the default order and
//! a kustomization with its own sort order. Needs kubectl; in CI a missing
//! one fails.

use eksguard_files::{Input, ReadOptions, load_bytes};
use std::path::{Path, PathBuf};
use std::process::Command;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const BASE: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: carts.shop.example.com}
spec:
  group: shop.example.com
  names: {kind: Cart, plural: carts}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1.shop.example.com}
spec: {group: shop.example.com, version: v1, groupPriorityMinimum: 100, versionPriority: 10}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: carts}
webhooks: []
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, annotations: {team: storefront}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: web
      containers:
        - name: web
          image: nginx:1.27
          envFrom: [{configMapRef: {name: settings}}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: web}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: web, namespace: shop}]
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop}
spec: {containers: [{name: c, image: busybox}]}
"#;

fn repo(root: &Path) -> Vec<PathBuf> {
    write(
        root,
        "base/kustomization.yaml",
        "resources: [all.yaml]\nconfigMapGenerator:\n  - name: settings\n    literals: [MODE=base]\n",
    );
    write(root, "base/all.yaml", BASE);
    write(
        root,
        "overlays/a/kustomization.yaml",
        "resources: [../../base]\ncommonAnnotations: {overlay: a}\n",
    );
    write(
        root,
        "overlays/b/kustomization.yaml",
        "resources: [../../base]\nnamespace: prod\nconfigMapGenerator:\n  - name: settings\n    behavior: merge\n    literals: [EXTRA=1]\n",
    );
    write(
        root,
        "overlays/c/kustomization.yaml",
        "resources: [../../base]\nnamePrefix: c-\ncommonLabels: {tier: c}\n",
    );
    write(
        root,
        "overlays/fifo/kustomization.yaml",
        "resources: [../../base]\ncommonAnnotations: {overlay: fifo}\nsortOptions: {order: fifo}\n",
    );
    [
        "base",
        "overlays/a",
        "overlays/b",
        "overlays/c",
        "overlays/fifo",
    ]
    .iter()
    .map(|d| root.join(d))
    .collect()
}

#[test]
fn batched_rendering_matches_kubectl_kustomize_line_for_line() {
    let ok = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "kubectl is required in CI"
        );
        eprintln!("skipped: kubectl is not installed");
        return;
    }
    let root = std::env::temp_dir().join(format!("eksguard-kustomize-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let dirs = repo(&root);
    let inputs: Vec<Input> = dirs.iter().cloned().map(Input::Kustomize).collect();
    let rendered: Vec<_> = eksguard_files::render(&inputs, &ReadOptions::default())
        .into_iter()
        .map(Option::unwrap)
        .collect();
    let mut shared = 0;
    for (dir, got) in dirs.iter().zip(&rendered) {
        assert!(got.errors.is_empty(), "{}: {:?}", dir.display(), got.errors);
        let out = Command::new("kubectl")
            .arg("kustomize")
            .arg(dir)
            .output()
            .unwrap();
        assert!(out.status.success());
        let name = format!("kustomize:{}", dir.display());
        let want = load_bytes(&name, &out.stdout).finish();
        for w in &want.objects {
            match got.objects.iter().find(|g| g.source.line == w.source.line) {
                Some(g) => {
                    assert_eq!(g.raw, w.raw, "{}", dir.display());
                    assert_eq!(g.spans, w.spans, "{}: {}", dir.display(), g.name);
                    assert_eq!(g.source, w.source);
                    let origin = g.origin.as_ref().unwrap();
                    assert_eq!(origin.rendered_by[0].as_ref(), name);
                }
                // Rendered identically by an earlier kustomization: kept
                // there, naming this one too.
                None => {
                    shared += 1;
                    let g = rendered
                        .iter()
                        .flat_map(|l| &l.objects)
                        .find(|g| g.raw == w.raw)
                        .unwrap_or_else(|| panic!("{}: {} lost", dir.display(), w.name));
                    let by = &g.origin.as_ref().unwrap().rendered_by;
                    assert!(by.iter().any(|b| b.as_ref() == name), "{by:?}");
                }
            }
        }
        assert!(got.objects.len() <= want.objects.len());
    }
    // The CRD and the APIService are cluster-scoped and no namespace
    // changes them: b renders them as the base does.
    assert!(shared > 0);
    let _ = std::fs::remove_dir_all(&root);
}
